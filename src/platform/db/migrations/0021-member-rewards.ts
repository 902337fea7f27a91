import type { Kysely } from 'kysely';

/**
 * Every reward a member was due from a benefit (a badge level, a plan, a referral, a product
 * code) and whether it was granted, with why not: derived from the log like the rewards themselves.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('member_rewards')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('template_id', 'text')
    .addColumn('points', 'bigint')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('reason', 'text')
    .addColumn('message', 'text')
    .addColumn('coupon_id', 'text')
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('member_rewards_member_idx').on('member_rewards').columns(['member_id', 'at']).execute();
}
