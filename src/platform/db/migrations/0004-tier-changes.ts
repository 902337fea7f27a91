import type { Kysely } from 'kysely';

/** Every tier change, in log order: the feed that later capabilities (journeys) react to. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('loyalty_tier_changes')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('from_tier', 'text')
    .addColumn('to_tier', 'text')
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('loyalty_tier_changes_workspace_idx')
    .on('loyalty_tier_changes')
    .columns(['workspace_id', 'id'])
    .execute();
  await db.schema
    .createIndex('loyalty_tier_changes_member_idx')
    .on('loyalty_tier_changes')
    .column('member_id')
    .execute();
}
