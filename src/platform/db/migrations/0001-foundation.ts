import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * The spine: workspaces and keys, the event log, the identity graph, member profiles and orders.
 * Times are epoch milliseconds (bigint), money is integer minor units.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const json = dialect === 'postgres' ? 'jsonb' : 'text';

  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('timezone', 'text', (column) => column.notNull())
    .addColumn('phone_region', 'text', (column) => column.notNull())
    .addColumn('identity_settings', sql.raw(json), (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('key_hash', 'text', (column) => column.notNull().unique())
    .addColumn('key_prefix', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (column) =>
      dialect === 'postgres' ? column.primaryKey() : column.primaryKey().autoIncrement(),
    )
    .addColumn('id', 'text', (column) => column.notNull().unique())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('message_id', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('event_name', 'text')
    .addColumn('user_id', 'text')
    .addColumn('anonymous_id', 'text')
    .addColumn('event_time', 'bigint', (column) => column.notNull())
    .addColumn('received_at', 'bigint', (column) => column.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('original_timestamp', 'bigint')
    .addColumn('payload', sql.raw(json), (column) => column.notNull())
    .addColumn('member_id', 'text')
    .addUniqueConstraint('events_workspace_message_unique', ['workspace_id', 'message_id'])
    .execute();
  await db.schema.createIndex('events_member_idx').on('events').columns(['member_id', 'seq']).execute();

  await db.schema
    .createTable('processor_checkpoints')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('position', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('created_by_event', 'text', (column) => column.notNull())
    .addColumn('merged_into', 'text')
    .addColumn('traits', sql.raw(json), (column) => column.notNull())
    .addColumn('trait_times', sql.raw(json), (column) => column.notNull())
    .addColumn('features', sql.raw(json), (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('members_workspace_idx').on('members').columns(['workspace_id', 'id']).execute();
  await db.schema.createIndex('members_merged_into_idx').on('members').column('merged_into').execute();

  await db.schema
    .createTable('identifiers')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('linked_at', 'bigint', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('identifiers_pk', ['workspace_id', 'value', 'type'])
    .execute();
  await db.schema.createIndex('identifiers_member_idx').on('identifiers').column('member_id').execute();

  await db.schema
    .createTable('identity_log')
    .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (column) =>
      dialect === 'postgres' ? column.primaryKey() : column.primaryKey().autoIncrement(),
    )
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('other_member_id', 'text')
    .addColumn('identifier_type', 'text')
    .addColumn('identifier_value', 'text')
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('detail', sql.raw(json), (column) => column.notNull())
    .execute();
  await db.schema.createIndex('identity_log_member_idx').on('identity_log').columns(['member_id', 'seq']).execute();
  await db.schema
    .createIndex('identity_log_other_member_idx')
    .on('identity_log')
    .columns(['other_member_id', 'seq'])
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('order_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('completed', 'integer', (column) => column.notNull())
    .addColumn('total', 'bigint', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('refunded', 'bigint', (column) => column.notNull())
    .addColumn('completed_at', 'bigint')
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('orders_pk', ['workspace_id', 'order_id'])
    .execute();
  await db.schema.createIndex('orders_member_idx').on('orders').column('member_id').execute();
}
