import type { Kysely } from 'kysely';

/**
 * A refund that names no amount and arrives before its order refunds the whole order, whatever
 * its total turns out to be: the order tables remember that.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['orders', 'loyalty_orders']) {
    await db.schema
      .alterTable(table)
      .addColumn('refunded_in_full', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
  }
}
