import type { Kysely } from 'kysely';

/**
 * Saved segments and their materialized membership. Membership, the daily sizes and each child's
 * next life stage are derived from the log (replay rebuilds them); definitions are configuration.
 * Event conditions count a workspace's events by name over a window: the index serves them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('member_life_stages').addColumn('next_stage_id', 'text').execute();
  await db.schema.alterTable('member_life_stages').addColumn('next_stage_at', 'bigint').execute();
  await db.schema
    .createIndex('events_name_time_idx')
    .on('events')
    .columns(['workspace_id', 'event_name', 'event_time'])
    .execute();
  await db.schema
    .createTable('segments')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('definition', 'text', (column) => column.notNull())
    /** Set for the segment behind a rule tag: its members carry the tag. */
    .addColumn('tag_id', 'text')
    .addColumn('size', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addUniqueConstraint('segments_name_unique', ['workspace_id', 'name'])
    .execute();
  await db.schema
    .createTable('segment_members')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('segment_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('since', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('segment_members_pk', ['segment_id', 'member_id'])
    .execute();
  await db.schema
    .createIndex('segment_members_member_idx')
    .on('segment_members')
    .columns(['workspace_id', 'member_id'])
    .execute();
  await db.schema
    .createTable('segment_sizes')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('segment_id', 'text', (column) => column.notNull())
    /** The local date (workspace time zone) the size is the closing size of. */
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('size', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('segment_sizes_pk', ['segment_id', 'day'])
    .execute();
}
