import type { Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * Events kept in the log but counted by no stage (an order with an absurd total), with why; and the
 * bounds each workspace sets on its events' numbers. Both are derived from the log.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('event_refusals')
    .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addColumn('message_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text')
    .addColumn('event_name', 'text')
    .addColumn('event_time', 'bigint', (column) => column.notNull())
    .addColumn('received_at', 'bigint', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .addColumn('field', 'text', (column) => column.notNull())
    .addColumn('message', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('event_refusals_received_idx')
    .on('event_refusals')
    .columns(['workspace_id', 'received_at'])
    .execute();
  await db.schema
    .createTable('data_quality_settings')
    .addColumn('workspace_id', 'text', (column) => column.primaryKey())
    .addColumn('limits', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
}
