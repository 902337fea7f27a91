import type { Kysely } from 'kysely';

/**
 * Coupons. Code pools (coupon templates' and product code batches') are configuration (kept by replay). Templates, issued coupons, issue jobs
 * and operation answers are derived from the log: a template is saved through it, so a replay
 * applies each version of a template to the operations that came after it, as live did.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('coupon_templates')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('definition', 'text', (column) => column.notNull())
    /** The template's one code when every member uses the same one. */
    .addColumn('shared_code', 'text')
    .addColumn('issued', 'bigint', (column) => column.notNull())
    /** The last pool code handed out, and the last one the log has made available. */
    .addColumn('code_position', 'bigint', (column) => column.notNull())
    .addColumn('available_position', 'bigint', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addUniqueConstraint('coupon_templates_name_unique', ['workspace_id', 'name'])
    .execute();
  await db.schema
    .createIndex('coupon_templates_shared_code_idx')
    .on('coupon_templates')
    .columns(['workspace_id', 'shared_code'])
    .execute();
  await db.schema
    .createTable('code_pool')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    /** A coupon template or a product code batch: a code means one thing in a workspace. */
    .addColumn('owner_id', 'text', (column) => column.notNull())
    /** Issuing hands out a template's codes in this order, so a replay hands out the same ones. */
    .addColumn('position', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('code_pool_pk', ['workspace_id', 'code'])
    .execute();
  await db.schema
    .createIndex('code_pool_owner_idx')
    .on('code_pool')
    .columns(['owner_id', 'position'])
    .unique()
    .execute();
  await db.schema
    .createTable('coupons')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('template_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('cohort', 'text', (column) => column.notNull())
    .addColumn('job_id', 'text')
    .addColumn('issued_at', 'bigint', (column) => column.notNull())
    .addColumn('collected_at', 'bigint')
    .addColumn('valid_from', 'bigint', (column) => column.notNull())
    .addColumn('valid_until', 'bigint', (column) => column.notNull())
    .addColumn('order_id', 'text')
    .addColumn('reserved_until', 'bigint')
    .addColumn('discount', 'bigint')
    .addColumn('order_total', 'bigint')
    .addColumn('redeemed_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_reason', 'text')
    .addColumn('event_id', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('coupons_member_idx').on('coupons').columns(['member_id', 'template_id']).execute();
  await db.schema.createIndex('coupons_code_idx').on('coupons').columns(['workspace_id', 'code']).execute();
  await db.schema.createIndex('coupons_order_idx').on('coupons').columns(['workspace_id', 'order_id']).execute();
  await db.schema.createIndex('coupons_template_idx').on('coupons').columns(['template_id', 'status']).execute();
  await db.schema
    .createTable('coupon_jobs')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('template_id', 'text', (column) => column.notNull())
    .addColumn('target', 'text', (column) => column.notNull())
    .addColumn('cohort', 'text', (column) => column.notNull())
    .addColumn('total', 'bigint', (column) => column.notNull())
    .addColumn('processed', 'bigint', (column) => column.notNull())
    .addColumn('issued', 'bigint', (column) => column.notNull())
    /** Members not issued a coupon, by reason (member_limit, quantity_exhausted, no_codes_left). */
    .addColumn('skipped', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('benefit_operation_results')
    .addColumn('event_id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('status', 'integer', (column) => column.notNull())
    .addColumn('body', 'text', (column) => column.notNull())
    .execute();
}
