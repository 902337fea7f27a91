import type { Kysely } from 'kysely';

/** Medals and badges: definitions are saved through the log; each member's progress and level are derived from it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('badge_definitions')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('definition', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('badge_definitions_pk', ['workspace_id', 'id'])
    .execute();
  await db.schema
    .createTable('member_badges')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('badge_id', 'text', (column) => column.notNull())
    /** -1 before the first level. */
    .addColumn('level_index', 'integer', (column) => column.notNull())
    .addColumn('level', 'text')
    .addColumn('value', 'bigint', (column) => column.notNull())
    /** What counted (orders, events, days), kept only as far back as can still count. */
    .addColumn('contributions', 'text', (column) => column.notNull())
    .addColumn('awarded_at', 'bigint')
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('member_badges_pk', ['member_id', 'badge_id'])
    .execute();
  await db.schema
    .createIndex('member_badges_holders_idx')
    .on('member_badges')
    .columns(['workspace_id', 'badge_id', 'level_index', 'member_id'])
    .execute();
}
