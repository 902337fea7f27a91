import { sql, type Kysely } from 'kysely';

/**
 * Segments' event conditions find a workspace's tracked events by name and time, and read nothing
 * else. The index had every event, pages, screens and identifies too (half the log), and being
 * keyed by event time, which a backfill spreads over years, it had most of its pages rewritten by
 * every group commit of the log: 76% of the WAL an ingestion of the demo log wrote. Only tracked
 * events now.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_name_time_idx').execute();
  await db.schema
    .createIndex('events_name_time_idx')
    .on('events')
    .columns(['workspace_id', 'event_name', 'event_time'])
    .where(sql.ref('type'), '=', 'track')
    .execute();
}
