import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/**
 * Which member each event belongs to moves out of `events` into a narrow table of its own. The
 * processor attributes every event once, and setting a column of the wide, append-only log row
 * rewrote its page (payload and all) and churned an index on every batch; a two-column row
 * appended in log order costs a fraction of that, and the log's rows are now never updated.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('event_members')
    // On SQLite `integer primary key` is the rowid itself: rows are stored in log order.
    .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (column) => column.primaryKey())
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('event_members_member_idx').on('event_members').columns(['member_id', 'seq']).execute();
  await sql`insert into event_members (seq, workspace_id, member_id)
    select seq, workspace_id, member_id from events where member_id is not null`.execute(db);
  await db.schema.dropIndex('events_member_idx').execute();
  await db.schema.alterTable('events').dropColumn('member_id').execute();
}
