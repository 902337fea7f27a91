import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * The loyalty program's versions (configuration, kept) and the points ledger (derived from the
 * log: entries, lots, holds, balances, rule usage, the orders points were earned on).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const json = dialect === 'postgres' ? 'jsonb' : 'text';

  await db.schema
    .createTable('loyalty_programs')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('document', sql.raw(json), (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('loyalty_programs_pk', ['workspace_id', 'version'])
    .execute();

  await db.schema
    .createTable('loyalty_active_programs')
    .addColumn('workspace_id', 'text', (column) => column.primaryKey())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('points_entries')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('available', 'bigint', (column) => column.notNull())
    .addColumn('pending', 'bigint', (column) => column.notNull())
    .addColumn('reserved', 'bigint', (column) => column.notNull())
    .addColumn('shortfall', 'bigint', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .addColumn('source_type', 'text', (column) => column.notNull())
    .addColumn('source_id', 'text')
    .addColumn('order_id', 'text')
    .addColumn('lot_id', 'text')
    .addColumn('reservation_id', 'text')
    .addColumn('program_version', 'integer')
    .execute();
  await db.schema.createIndex('points_entries_member_idx').on('points_entries').columns(['member_id', 'id']).execute();

  await db.schema
    .createTable('points_lots')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('points', 'bigint', (column) => column.notNull())
    .addColumn('remaining', 'bigint', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('earned_at', 'bigint', (column) => column.notNull())
    .addColumn('activates_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('order_id', 'text')
    .addColumn('reversed', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('points_lots_member_idx').on('points_lots').columns(['member_id', 'remaining']).execute();
  await db.schema
    .createIndex('points_lots_order_idx')
    .on('points_lots')
    .columns(['workspace_id', 'order_id'])
    .execute();

  await db.schema
    .createTable('points_reservations')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('order_id', 'text', (column) => column.notNull())
    .addColumn('points', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .addColumn('allocations', sql.raw(json), (column) => column.notNull())
    .execute();
  await db.schema.createIndex('points_reservations_member_idx').on('points_reservations').column('member_id').execute();

  await db.schema
    .createTable('points_accounts')
    .addColumn('member_id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('available', 'bigint', (column) => column.notNull())
    .addColumn('pending', 'bigint', (column) => column.notNull())
    .addColumn('reserved', 'bigint', (column) => column.notNull())
    .addColumn('debt', 'bigint', (column) => column.notNull())
    .addColumn('shortfall', 'bigint', (column) => column.notNull())
    .addColumn('lifetime_earned', 'bigint', (column) => column.notNull())
    .addColumn('lifetime_redeemed', 'bigint', (column) => column.notNull())
    .addColumn('lifetime_expired', 'bigint', (column) => column.notNull())
    .addColumn('advanced_to', 'bigint', (column) => column.notNull())
    .addColumn('tier_id', 'text')
    .addColumn('tier_state', sql.raw(json), (column) => column.notNull())
    .addColumn('revision', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('points_accounts_workspace_idx')
    .on('points_accounts')
    .columns(['workspace_id', 'tier_id'])
    .execute();

  await db.schema
    .createTable('loyalty_rule_usage')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('rule_id', 'text', (column) => column.notNull())
    .addColumn('scope', 'text', (column) => column.notNull())
    .addColumn('points', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('loyalty_rule_usage_pk', ['workspace_id', 'rule_id', 'scope'])
    .execute();

  await db.schema
    .createTable('loyalty_orders')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('order_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('completed', 'integer', (column) => column.notNull())
    .addColumn('total', 'bigint', (column) => column.notNull())
    .addColumn('refunded', 'bigint', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('completed_at', 'bigint')
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('loyalty_orders_pk', ['workspace_id', 'order_id'])
    .execute();

  await db.schema
    .createTable('loyalty_operation_results')
    .addColumn('event_id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('status', 'integer', (column) => column.notNull())
    .addColumn('body', sql.raw(json), (column) => column.notNull())
    .execute();
}
