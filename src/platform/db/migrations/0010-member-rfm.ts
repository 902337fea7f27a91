import type { Kysely } from 'kysely';

/**
 * Daily population figures for segments: each customer's RFM segment, scored daily for segment definitions (`{type: 'rfm'}`): derived
 * from the orders as of each daily clock tick, so a replay scores the same.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // A value-band tag's segment keeps its band here; its definition is recomputed from it daily.
  await db.schema.alterTable('segments').addColumn('band', 'text').execute();
  await db.schema
    .createTable('member_rfm')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('segment', 'text', (column) => column.notNull())
    /** R's rfm_score: recency, frequency and monetary scores as one three-digit number. */
    .addColumn('score', 'integer', (column) => column.notNull())
    .addColumn('scored_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('member_rfm_pk', ['workspace_id', 'member_id'])
    .execute();
  await db.schema.createIndex('member_rfm_segment_idx').on('member_rfm').columns(['workspace_id', 'segment']).execute();
}
