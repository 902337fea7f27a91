import type { Kysely } from 'kysely';

/** Referrals (fission): the program, members' codes, and who referred whom; all derived from the log. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('referral_programs')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('definition', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('referral_programs_pk', ['workspace_id', 'id'])
    .execute();
  await db.schema
    .createTable('referral_codes')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('referral_codes_pk', ['workspace_id', 'code'])
    .execute();
  await db.schema
    .createIndex('referral_codes_member_idx')
    .on('referral_codes')
    .columns(['member_id'])
    .unique()
    .execute();
  await db.schema
    .createTable('referrals')
    .addColumn('referee_id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('referrer_id', 'text', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('linked_at', 'bigint', (column) => column.notNull())
    /** linked → qualified (first qualifying order) → rewarded, or voided (the order was refunded in its return window). */
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('order_id', 'text')
    .addColumn('order_total', 'bigint')
    .addColumn('qualified_at', 'bigint')
    .addColumn('rewarded_at', 'bigint')
    /** Whether the referrer was rewarded too (not when their cap was reached). */
    .addColumn('referrer_rewarded', 'integer', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('referrals_referrer_idx').on('referrals').columns(['referrer_id', 'linked_at']).execute();
}
