import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { HearthError } from '../../platform/errors.ts';
import { countEvents } from './event-log.repo.ts';
import { createEventLogWriter } from './event-log-writer.ts';
import type { NewEvent } from './ingest.schema.ts';

let testDatabase: TestDatabase;
let database: Database;

beforeEach(async () => {
  testDatabase = await createTestDatabase();
  database = await openDatabase(testDatabase.location);
});

afterEach(async () => {
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

describe('createEventLogWriter', () => {
  it('refuses an append that would put more events in the queue than allowed, with a retry hint', async () => {
    let appended = 0;
    const writer = createEventLogWriter(database, { maxPendingEvents: 5, onAppended: () => (appended += 1) });
    // Appends in one tick all wait for the first commit.
    const first = writer.append(events('ws_a', 'first-', 3));
    const second = writer.append(events('ws_a', 'second-', 2));
    expect(writer.pendingEvents()).toBe(5);
    const error = await rejectionOf(writer.append(events('ws_a', 'third-', 1)));
    expect(error).toBeInstanceOf(HearthError);
    expect(error).toMatchObject({ code: 'overloaded', status: 429, retryAfterSeconds: 1 });

    expect(await Promise.all([first, second])).toEqual([
      { accepted: 3, duplicates: 0 },
      { accepted: 2, duplicates: 0 },
    ]);
    expect([writer.pendingEvents(), appended, await countEvents(database.db, 'ws_a')]).toEqual([0, 1, 5]);
    // Once the queue has drained there is room again.
    expect(await writer.append(events('ws_a', 'third-', 1))).toEqual({ accepted: 1, duplicates: 0 });
    expect(await countEvents(database.db, 'ws_a')).toBe(6);
  });

  it('counts repeats of a (workspace, messageId) as duplicates, within a commit and across commits', async () => {
    const writer = createEventLogWriter(database);
    const [first, repeat, otherWorkspace] = await Promise.all([
      writer.append([...events('ws_a', 'm-', 2), ...events('ws_a', 'm-', 1)]),
      writer.append(events('ws_a', 'm-', 2)),
      writer.append(events('ws_b', 'm-', 2)),
    ]);
    expect([first, repeat, otherWorkspace]).toEqual([
      { accepted: 2, duplicates: 1 },
      { accepted: 0, duplicates: 2 },
      { accepted: 2, duplicates: 0 },
    ]);
    expect(await writer.append(events('ws_a', 'm-', 3))).toEqual({ accepted: 1, duplicates: 2 });
    expect([await countEvents(database.db, 'ws_a'), await countEvents(database.db, 'ws_b')]).toEqual([3, 2]);
  });

  it('takes an append larger than the whole limit when nothing else waits, so it is not refused forever', async () => {
    const writer = createEventLogWriter(database, { maxPendingEvents: 2 });
    const large = writer.append(events('ws_a', 'large-', 5));
    expect(writer.pendingEvents()).toBe(5);
    expect(await rejectionOf(writer.append(events('ws_a', 'behind-', 1)))).toMatchObject({ code: 'overloaded' });
    expect(await large).toEqual({ accepted: 5, duplicates: 0 });
    expect(await countEvents(database.db, 'ws_a')).toBe(5);
  });

  it('commits appends made on separate callbacks of one event-loop turn together, as concurrent requests are', async () => {
    let commits = 0;
    const writer = createEventLogWriter(database, { onAppended: () => (commits += 1) });
    const appends = await Promise.all(
      Array.from(
        { length: 5 },
        (_, index) =>
          new Promise<unknown>((resolve) =>
            setImmediate(() => resolve(writer.append(events('ws_a', `r${index}-`, 2)))),
          ),
      ),
    );
    expect(appends).toEqual(Array.from({ length: 5 }, () => ({ accepted: 2, duplicates: 0 })));
    expect([commits, await countEvents(database.db, 'ws_a')]).toEqual([1, 10]);
  });

  it('answers an empty append without touching the database', async () => {
    const writer = createEventLogWriter(database, { maxPendingEvents: 0 });
    expect(await writer.append([])).toEqual({ accepted: 0, duplicates: 0 });
  });
});
