import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { processorLogRead } from '../src/modules/ingest/sqlite-log-reader.ts';

export interface RawReadResult {
  events: number;
  eventsPerSecond: number;
}

/**
 * The limit under processing: the processor's own read of the log (the same prepared statement,
 * rows as arrays, batches as large as a catch-up's) with each payload parsed, and nothing else.
 * No stage can make processing faster than reading what it processes.
 */
export function readRawEvents(database: string, batchSize = 5_000): RawReadResult {
  const connection = new BetterSqlite3(database, { readonly: true });
  try {
    const statement = connection.prepare(processorLogRead).raw(true);
    const started = performance.now();
    let events = 0;
    let position = 0;
    for (;;) {
      const rows = statement.all(position, batchSize) as Array<[number, ...unknown[]]>;
      for (const row of rows) JSON.parse(row[8] as string);
      events += rows.length;
      const last = rows[rows.length - 1];
      if (!last || rows.length < batchSize) break;
      position = last[0];
    }
    return { events, eventsPerSecond: events / ((performance.now() - started) / 1000) };
  } finally {
    connection.close();
  }
}
