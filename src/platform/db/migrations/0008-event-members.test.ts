import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.ts';
import { openDatabase, type Database } from '../database.ts';
import { migrateTo } from '../migrate.ts';

let testDatabase: TestDatabase;
let database: Database;

beforeEach(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.location, { migrate: false });
});

afterEach(async () => {
  await database.close();
  await testDatabase.drop();
});

async function insertEvent(db: Kysely<unknown>, messageId: string, memberId: string | null): Promise<void> {
  await sql`insert into events (id, workspace_id, message_id, type, event_time, received_at, payload, member_id)
    values (${`evt_${messageId}`}, 'ws_a', ${messageId}, 'track', 1, 1, '{}', ${memberId})`.execute(db);
}

describe('migration 0008: event attribution in a table of its own', () => {
  it('carries over the members events were attributed to and drops the column from the log', async () => {
    const db = database.db as Kysely<unknown>;
    await migrateTo(db, database.dialect, '0007-tags');
    await insertEvent(db, 'm-1', 'mem_1');
    await insertEvent(db, 'm-2', null);
    await insertEvent(db, 'm-3', 'mem_2');

    expect(await migrateTo(db, database.dialect, '0008-event-members')).toEqual(['0008-event-members']);

    const attributed = await database.db
      .selectFrom('events')
      .leftJoin('event_members', 'event_members.seq', 'events.seq')
      .select(['events.message_id', 'event_members.workspace_id', 'event_members.member_id'])
      .orderBy('events.seq')
      .execute();
    expect(attributed).toEqual([
      { message_id: 'm-1', workspace_id: 'ws_a', member_id: 'mem_1' },
      { message_id: 'm-2', workspace_id: null, member_id: null },
      { message_id: 'm-3', workspace_id: 'ws_a', member_id: 'mem_2' },
    ]);
    const row = await sql<Record<string, unknown>>`select * from events limit 1`.execute(db);
    expect(Object.keys(row.rows[0] ?? {})).not.toContain('member_id');
  });
});
