import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { pino } from 'pino';
import { silentLogger } from '../../platform/log.ts';
import { createEventLogWriter } from './event-log-writer.ts';
import type { NewEvent } from './ingest.schema.ts';
import { createReadAheadLogReader, type ReadAheadLogReader } from './log-read-ahead.ts';
import { packLogRows, transferablesOfLogRows, unpackLogRows } from './log-read-packing.ts';
import { createSqliteLogReader, prepareLogRead } from './sqlite-log-reader.ts';

const at = Date.UTC(2026, 4, 1);

function event(index: number, properties: Record<string, unknown> = {}): NewEvent {
  const messageId = `m${index}`;
  return {
    id: `evt_${String(index).padStart(6, '0')}`,
    workspaceId: 'ws_a',
    messageId,
    type: 'track',
    eventName: index % 3 === 0 ? null : 'Product Viewed',
    userId: `u-${index % 7}`,
    anonymousId: null,
    eventTime: at + index,
    receivedAt: at + index * 2,
    sentAt: null,
    originalTimestamp: null,
    payload: {
      type: 'track',
      messageId,
      properties: { name: '暖暖云柔纸尿裤 L 52片', emoji: '👶🏻', index, ...properties },
    },
  };
}

// A SQLite file of its own in both suites: the read-ahead is how the processor reads a SQLite file.
let directory: string;
let database: Database;
let reader: ReadAheadLogReader | undefined;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'hearth-read-ahead-'));
  database = await openDatabase(join(directory, 'hearth.db'));
});

afterEach(async () => {
  await reader?.close();
  reader = undefined;
  await database.close();
  rmSync(directory, { recursive: true, force: true });
});

async function append(from: number, to: number): Promise<void> {
  const events = Array.from({ length: to - from + 1 }, (_, offset) => event(from + offset));
  await createEventLogWriter(database).append(events);
}

function connection() {
  const sqlite = database.sqlite;
  if (!sqlite) throw new Error('a SQLite file');
  return sqlite;
}

/** What the processor's read on its own connection gives, to compare with. */
function readHere(position: number, limit: number) {
  return createSqliteLogReader(connection())(database.db, position, limit);
}

describe('log rows packed for the main thread', () => {
  it('of an empty log cross threads as no events', () => {
    const rows = prepareLogRead(connection())(0, 100);
    const packed = packLogRows(rows);
    const received = structuredClone(packed, { transfer: transferablesOfLogRows(packed) });
    expect(packed.payloads.byteLength).toBe(0);
    expect(unpackLogRows(received)).toEqual([]);
  });

  it('keep text, nulls, times and payloads exactly', async () => {
    await append(1, 5);
    const rows = prepareLogRead(connection())(0, 100);
    const packed = packLogRows(rows);
    const received = structuredClone(packed, { transfer: transferablesOfLogRows(packed) });
    const events = unpackLogRows(received);
    expect(events).toEqual(await readHere(0, 100));
    expect(events?.map((each) => each.eventName)).toEqual([
      'Product Viewed',
      'Product Viewed',
      null,
      'Product Viewed',
      'Product Viewed',
    ]);
    expect(events?.[0]?.payload).toEqual({
      type: 'track',
      messageId: 'm1',
      properties: { name: '暖暖云柔纸尿裤 L 52片', emoji: '👶🏻', index: 1 },
    });
  });

  it('cut each payload back out at its own length, long or short, escapes and surrogate pairs included', async () => {
    const sizes = [0, 1, 31_000, 7];
    await createEventLogWriter(database).append(
      sizes.map((size, index) =>
        event(index + 1, { text: '暖'.repeat(size), escaped: '"\\\n\u0000', emoji: '👶🏻'.repeat(size % 5) }),
      ),
    );
    const packed = packLogRows(prepareLogRead(connection())(0, 100));
    const events = unpackLogRows(structuredClone(packed, { transfer: transferablesOfLogRows(packed) }));
    expect(events).toEqual(await readHere(0, 100));
    expect(events.map((each) => (each.payload.properties as { text: string }).text.length)).toEqual(sizes);
  });
});

describe('createReadAheadLogReader', () => {
  it('reads a backlog batch by batch, every batch after the first from the thread, the same events as a read here', async () => {
    await append(1, 1_000);
    reader = createReadAheadLogReader(connection(), database.location, silentLogger);
    let position = 0;
    for (;;) {
      const events = await reader.readEventsAfter(database.db, position, 300);
      expect(events).toEqual(await readHere(position, 300));
      if (events.length === 0) break;
      position = events[events.length - 1]?.seq ?? position;
    }
    expect(position).toBe(1_000);
    // The first read here; the next two ahead; the last 100 came back short from the thread (the
    // log might have grown since), so they were read here, and so was the empty read at the end.
    expect(reader.counts()).toEqual({ ahead: 2, here: 3 });
  });

  it('reads here what the log gained after a read-ahead came back short', async () => {
    await append(1, 300);
    reader = createReadAheadLogReader(connection(), database.location, silentLogger);
    expect(await reader.readEventsAfter(database.db, 0, 300)).toHaveLength(300);
    await append(301, 450);
    const next = await reader.readEventsAfter(database.db, 300, 300);
    expect(next.map((each) => each.seq)).toEqual(Array.from({ length: 150 }, (_, index) => 301 + index));
    expect(reader.counts()).toEqual({ ahead: 0, here: 2 });
  });

  it('reads here when the next batch does not start where the read-ahead does (a batch cut short)', async () => {
    await append(1, 600);
    reader = createReadAheadLogReader(connection(), database.location, silentLogger);
    await reader.readEventsAfter(database.db, 0, 200);
    const after = await reader.readEventsAfter(database.db, 150, 200);
    expect(after).toEqual(await readHere(150, 200));
    expect(reader.counts()).toEqual({ ahead: 0, here: 2 });
    // Read ahead again from where that one ended.
    expect(await reader.readEventsAfter(database.db, 350, 200)).toEqual(await readHere(350, 200));
    expect(reader.counts()).toEqual({ ahead: 1, here: 2 });
  });

  it('reads everything here, with a warning, when the thread cannot read the log', async () => {
    await append(1, 400);
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    // Another file, without the log's tables: the thread's reads fail.
    reader = createReadAheadLogReader(connection(), join(directory, 'other.db'), logger);
    for (const position of [0, 100, 200, 300]) {
      expect(await reader.readEventsAfter(database.db, position, 100)).toEqual(await readHere(position, 100));
    }
    expect(reader.counts()).toEqual({ ahead: 0, here: 4 });
    expect(warnings.some((line) => line.includes('log reader thread stopped') && line.includes('no such table'))).toBe(
      true,
    );
  });
});
