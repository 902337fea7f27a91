import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../src/platform/db/database.ts';
import { openSqliteConnection } from '../src/platform/db/sqlite-connection.ts';
import { insertColumns } from '../src/modules/ingest/event-log.repo.ts';

export interface RawInsertResult {
  rows: number;
  rowsPerSecond: number;
}

/** The columns the log's append writes, so the comparison stores exactly the same values. */
const columns = insertColumns;

/**
 * The storage limit for what Hearth wrote: the same event rows, copied into a fresh database of the
 * same schema and settings by one prepared INSERT in one transaction, with no validation, no
 * identity, no HTTP. Hearth's figure divided by this one says what the product costs over the disk.
 */
export async function insertRawEvents(source: string, target: string): Promise<RawInsertResult> {
  const created = await openDatabase(target);
  await created.close();
  const reader = new BetterSqlite3(source, { readonly: true });
  const rows = reader
    .prepare(`select ${columns.join(', ')} from events order by seq`)
    .raw()
    .all() as unknown[][];
  reader.close();

  // Hearth's own connection settings (WAL, synchronous=FULL, cache, checkpoint interval), so the
  // limit differs from Hearth's figure by the product's work alone.
  const writer = openSqliteConnection(target);
  const insert = writer.prepare(
    `insert into events (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
  );
  const insertAll = writer.transaction((all: unknown[][]) => {
    for (const row of all) insert.run(row);
  });
  const started = performance.now();
  insertAll(rows);
  const seconds = (performance.now() - started) / 1000;
  writer.close();
  return { rows: rows.length, rowsPerSecond: rows.length / seconds };
}
