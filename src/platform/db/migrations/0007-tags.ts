import type { Kysely } from 'kysely';

/**
 * Tag definitions are configuration an operator edits; which members carry a manual tag is
 * derived from the tag operations in the log, so a replay rebuilds it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tag_definitions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('family', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addUniqueConstraint('tag_definitions_name_unique', ['workspace_id', 'family', 'name'])
    .execute();
  await db.schema
    .createTable('member_tags')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('tag_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('since', 'bigint', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('member_tags_pk', ['workspace_id', 'tag_id', 'member_id'])
    .execute();
  await db.schema
    .createIndex('member_tags_member_idx')
    .on('member_tags')
    .columns(['workspace_id', 'member_id'])
    .execute();
}
