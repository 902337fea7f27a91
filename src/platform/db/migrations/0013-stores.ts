import type { Kysely } from 'kysely';

/**
 * Stores and dealers (S2b2c), members bound to them, and the points budget each store buys from
 * the brand and grants from. All derived from the log: stores are saved through it, so a replay
 * knows each store from the place it was saved on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stores')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('dealer_id', 'text')
    /** For a dealer: `joint` makes a member of one of its stores a member of all of them. */
    .addColumn('membership', 'text', (column) => column.notNull())
    .addColumn('budget', 'bigint', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('stores_pk', ['workspace_id', 'id'])
    .execute();
  await db.schema
    .createTable('store_budget_entries')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('store_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    /** Signed: a purchase adds to the budget, a grant takes from it. */
    .addColumn('points', 'bigint', (column) => column.notNull())
    .addColumn('member_id', 'text')
    .addColumn('reason', 'text', (column) => column.notNull())
    /** A purchase's payment reference: buying twice with one reference buys once. */
    .addColumn('reference', 'text')
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('store_budget_entries_store_idx')
    .on('store_budget_entries')
    .columns(['workspace_id', 'store_id', 'id'])
    .execute();
  await db.schema.alterTable('member_home_stores').addColumn('guide', 'text').execute();
  await db.schema
    .createIndex('member_home_stores_store_idx')
    .on('member_home_stores')
    .columns(['workspace_id', 'store', 'member_id'])
    .execute();
}
