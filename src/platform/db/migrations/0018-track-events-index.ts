import { sql, type Kysely } from 'kysely';

/**
 * Event conditions (segments) find a workspace's tracked events by name and time. The index had
 * every event, pages, screens and identifies too (half the log), none of which such a condition
 * reads; only tracked events now.
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
