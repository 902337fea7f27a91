import type { Kysely } from 'kysely';

/**
 * Product codes (one item, one code). The codes are configuration in the workspace's code pool;
 * batches, scans, failed attempts and home stores bound by a scan are derived from the log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('product_code_batches')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    /** What a scan gives: {type: points, points} or {type: coupon, templateId}. */
    .addColumn('worth', 'text', (column) => column.notNull())
    .addColumn('size', 'bigint', (column) => column.notNull())
    .addColumn('scanned', 'bigint', (column) => column.notNull())
    .addColumn('binds_store', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('product_code_scans')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('batch_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('channel', 'text')
    .addColumn('location', 'text')
    .addColumn('store', 'text')
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('product_code_scans_pk', ['workspace_id', 'code'])
    .execute();
  await db.schema
    .createIndex('product_code_scans_member_idx')
    .on('product_code_scans')
    .columns(['member_id'])
    .execute();
  await db.schema
    .createTable('product_code_attempts')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('product_code_attempts_member_idx')
    .on('product_code_attempts')
    .columns(['member_id', 'at'])
    .execute();
  await db.schema
    .createTable('member_home_stores')
    .addColumn('member_id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('store', 'text', (column) => column.notNull())
    .addColumn('bound_at', 'bigint', (column) => column.notNull())
    /** What bound it, e.g. `product-code:CODE`. */
    .addColumn('source', 'text', (column) => column.notNull())
    .execute();
}
