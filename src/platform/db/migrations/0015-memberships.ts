import type { Kysely } from 'kysely';

/** Paid membership: plans saved through the log, each member's membership and payments derived from it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('membership_plans')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('definition', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('membership_plans_pk', ['workspace_id', 'id'])
    .execute();
  await db.schema
    .createTable('memberships')
    .addColumn('member_id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('plan_id', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('period_start', 'bigint', (column) => column.notNull())
    .addColumn('period_end', 'bigint', (column) => column.notNull())
    .addColumn('cancel_at_period_end', 'integer', (column) => column.notNull())
    .addColumn('trial_used', 'integer', (column) => column.notNull())
    /** A yearly plan's next monthly coupon. */
    .addColumn('next_pack_at', 'bigint')
    .execute();
  await db.schema
    .createTable('membership_payments')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('reference', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('plan_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('amount', 'bigint', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('refunded_at', 'bigint')
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('membership_payments_pk', ['workspace_id', 'reference'])
    .execute();
  await db.schema
    .createIndex('membership_payments_member_idx')
    .on('membership_payments')
    .columns(['member_id'])
    .execute();
}
