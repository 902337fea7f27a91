import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDialect, type TestDatabase } from '../../../test/support/test-database.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { createWriteGate } from '../../platform/db/write-gate.ts';
import { HearthError } from '../../platform/errors.ts';
import { countEvents } from './event-log.repo.ts';
import { createEventLogWriter, type EventLogWriter, type EventLogWriterOptions } from './event-log-writer.ts';
import { createThreadedEventLogWriter } from './threaded-log-writer.ts';
import type { NewEvent } from './ingest.schema.ts';

let testDatabase: TestDatabase;
let database: Database;
const writers: EventLogWriter[] = [];

beforeEach(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.location);
});

afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.close();
  await database.close();
  await testDatabase.drop();
});

const at = Date.UTC(2024, 5, 1);
let nextEventId = 0;

function events(workspaceId: string, prefix: string, count: number): NewEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `evt_${(nextEventId += 1)}`,
    workspaceId,
    messageId: `${prefix}${index}`,
    type: 'track',
    eventName: 'Viewed',
    userId: 'u-1',
    anonymousId: null,
    eventTime: at,
    receivedAt: at,
    sentAt: null,
    originalTimestamp: null,
    payload: { type: 'track', event: 'Viewed', userId: 'u-1', messageId: `${prefix}${index}` },
  }));
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

type WriterFactory = (options?: EventLogWriterOptions) => EventLogWriter;

/** Both writers keep the same contract; the threaded one exists for SQLite files only. */
const implementations: Array<[string, WriterFactory]> = [
  ['in this thread', (options) => createEventLogWriter(database, options)],
  ...(testDialect === 'sqlite'
    ? [
        ['on a writer thread', (options) => createThreadedEventLogWriter(database.location, options)] as [
          string,
          WriterFactory,
        ],
      ]
    : []),
];

describe.each(implementations)('the event log writer %s', (_name, create) => {
  function createWriter(options?: EventLogWriterOptions): EventLogWriter {
    const writer = create(options);
    writers.push(writer);
    return writer;
  }

  it('refuses an append that would put more events in the queue than allowed, with a retry hint', async () => {
    let appended = 0;
    const writer = createWriter({ maxPendingEvents: 5, onAppended: () => (appended += 1) });
    // Appends in one tick all wait for the first commit.
    const first = writer.append(events('ws_a', 'first-', 3));
    const second = writer.append(events('ws_a', 'second-', 2));
    expect(writer.pendingEvents()).toBe(5);
    const error = await rejectionOf(writer.append(events('ws_a', 'third-', 1)));
    expect(error).toBeInstanceOf(HearthError);
    expect(error).toMatchObject({ code: 'overloaded', status: 429, retryAfterSeconds: 1 });

    expect(await Promise.all([first, second])).toMatchObject([
      { accepted: 3, duplicates: 0 },
      { accepted: 2, duplicates: 0 },
    ]);
    expect([writer.pendingEvents(), appended, await countEvents(database.db, 'ws_a')]).toEqual([0, 1, 5]);
    // Once the queue has drained there is room again.
    expect(await writer.append(events('ws_a', 'third-', 1))).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await countEvents(database.db, 'ws_a')).toBe(6);
  });

  it('counts repeats of a (workspace, messageId) as duplicates, within a commit and across commits', async () => {
    const writer = createWriter();
    const [first, repeat, otherWorkspace] = await Promise.all([
      writer.append([...events('ws_a', 'm-', 2), ...events('ws_a', 'm-', 1)]),
      writer.append(events('ws_a', 'm-', 2)),
      writer.append(events('ws_b', 'm-', 2)),
    ]);
    expect([first, repeat, otherWorkspace]).toMatchObject([
      { accepted: 2, duplicates: 1 },
      { accepted: 0, duplicates: 2 },
      { accepted: 2, duplicates: 0 },
    ]);
    const again = await writer.append(events('ws_a', 'm-', 3));
    expect(again).toMatchObject({ accepted: 1, duplicates: 2 });
    expect([await countEvents(database.db, 'ws_a'), await countEvents(database.db, 'ws_b')]).toEqual([3, 2]);
    // Each stored event's position is where the log holds it; a duplicate has none.
    const rows = await database.db
      .selectFrom('events')
      .select(['seq', 'workspace_id', 'message_id'])
      .orderBy('seq')
      .execute();
    const seqOf = (workspaceId: string, messageId: string) =>
      rows.find((row) => row.workspace_id === workspaceId && row.message_id === messageId)?.seq;
    expect(first.positions).toEqual([seqOf('ws_a', 'm-0'), seqOf('ws_a', 'm-1'), null]);
    expect(repeat.positions).toEqual([null, null]);
    expect(otherWorkspace.positions).toEqual([seqOf('ws_b', 'm-0'), seqOf('ws_b', 'm-1')]);
    expect(again.positions).toEqual([null, null, seqOf('ws_a', 'm-2')]);
    expect(rows.map((row) => row.seq).every((seq) => typeof seq === 'number')).toBe(true);
  });

  it('takes an append larger than the whole limit when nothing else waits, so it is not refused forever', async () => {
    const writer = createWriter({ maxPendingEvents: 2 });
    const large = writer.append(events('ws_a', 'large-', 5));
    expect(writer.pendingEvents()).toBe(5);
    expect(await rejectionOf(writer.append(events('ws_a', 'behind-', 1)))).toMatchObject({ code: 'overloaded' });
    expect(await large).toMatchObject({ accepted: 5, duplicates: 0 });
    expect(await countEvents(database.db, 'ws_a')).toBe(5);
  });

  it('commits appends made on separate callbacks of one event-loop turn together, as concurrent requests are', async () => {
    let commits = 0;
    const writer = createWriter({ onAppended: () => (commits += 1) });
    const appends = await Promise.all(
      Array.from(
        { length: 5 },
        (_, index) =>
          new Promise<unknown>((resolve) =>
            setImmediate(() => resolve(writer.append(events('ws_a', `r${index}-`, 2)))),
          ),
      ),
    );
    expect(appends).toMatchObject(Array.from({ length: 5 }, () => ({ accepted: 2, duplicates: 0 })));
    expect([commits, await countEvents(database.db, 'ws_a')]).toEqual([1, 10]);
  });

  it('answers an empty append without touching the database', async () => {
    const writer = createWriter({ maxPendingEvents: 0 });
    expect(await writer.append([])).toMatchObject({ accepted: 0, duplicates: 0 });
  });
  it('has the events durable when an append resolves: a connection of its own sees them', async () => {
    const writer = createWriter();
    expect(await writer.append(events('ws_a', 'durable-', 3))).toMatchObject({ accepted: 3, duplicates: 0 });
    const other = await openDatabase(testDatabase.location, { migrate: false });
    try {
      expect(await countEvents(other.db, 'ws_a')).toBe(3);
    } finally {
      await other.close();
    }
  });

  it('stores each payload as the JSON text it was, whatever its characters', async () => {
    const writer = createWriter();
    const written = events('ws_a', 'text-', 3);
    const properties = [{ name: '暖暖云柔纸尿裤 L 52片' }, { emoji: '👶🏻', quote: '"\\' }, {}];
    written.forEach((event, index) => (event.payload.properties = properties[index]));
    await writer.append(written);
    const rows = await sql<{ message_id: string; payload: string; kind: string }>`
      select message_id, payload, ${sql.raw(testDialect === 'sqlite' ? 'typeof(payload)' : 'pg_typeof(payload)::text')} as kind
      from events where workspace_id = 'ws_a' order by message_id`.execute(database.db);
    expect(
      rows.rows.map((row) => [
        row.message_id,
        row.kind,
        typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
      ]),
    ).toEqual(written.map((event) => [event.messageId, testDialect === 'sqlite' ? 'text' : 'jsonb', event.payload]));
  });

  it('splits what waits into commits of at most maxEventsPerCommit events', async () => {
    let commits = 0;
    const writer = createWriter({ maxEventsPerCommit: 4, onAppended: () => (commits += 1) });
    const appends = Array.from({ length: 5 }, (_, index) => writer.append(events('ws_a', `g${index}-`, 2)));
    expect(await Promise.all(appends)).toMatchObject(Array.from({ length: 5 }, () => ({ accepted: 2, duplicates: 0 })));
    expect([commits, await countEvents(database.db, 'ws_a')]).toEqual([3, 10]);
  });

  it('rejects the appends of a commit that fails, stores none of them, and keeps working', async () => {
    const writer = createWriter();
    await sql`alter table events rename to events_away`.execute(database.db);
    const failed = await Promise.allSettled([
      writer.append(events('ws_a', 'lost-', 2)),
      writer.append(events('ws_a', 'lost-too-', 1)),
    ]);
    await sql`alter table events_away rename to events`.execute(database.db);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await countEvents(database.db, 'ws_a')).toBe(0);
    expect(await writer.append(events('ws_a', 'lost-', 2))).toMatchObject({ accepted: 2, duplicates: 0 });
  });

  it('finishes the appends already made before close resolves', async () => {
    const writer = create();
    const first = writer.append(events('ws_a', 'late-', 3));
    const second = writer.append(events('ws_a', 'later-', 2));
    await writer.close();
    expect(await Promise.all([first, second])).toMatchObject([
      { accepted: 3, duplicates: 0 },
      { accepted: 2, duplicates: 0 },
    ]);
    expect(await countEvents(database.db, 'ws_a')).toBe(5);
  });
});

describe.runIf(testDialect === 'sqlite')('the writer thread', () => {
  it("commits only in its turn at the process's write gate, after the writer holding it", async () => {
    const gate = createWriteGate();
    const writer = createThreadedEventLogWriter(database.location, { gate });
    writers.push(writer);
    let release: () => void = () => undefined;
    const held = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const appended = writer.append(events('ws_a', 'gated-', 2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await countEvents(database.db, 'ws_a')).toBe(0);
    release();
    await held;
    expect(await appended).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await countEvents(database.db, 'ws_a')).toBe(2);
  });

  it("passes on SQLite's error code, and refuses appends once closed", async () => {
    const writer = createThreadedEventLogWriter(database.location);
    await sql`alter table events rename to events_away`.execute(database.db);
    const error = await rejectionOf(writer.append(events('ws_a', 'x-', 1)));
    await sql`alter table events_away rename to events`.execute(database.db);
    expect(error).toMatchObject({ name: 'EventLogWriteError', code: 'SQLITE_ERROR' });
    await writer.close();
    expect(await rejectionOf(writer.append(events('ws_a', 'y-', 1)))).toMatchObject({
      code: 'unavailable',
      status: 503,
    });
  });
});
