import { chunks } from './chunks.ts';
import type { DbExecutor, SqliteConnection, SqliteStatement } from './database.ts';

/**
 * What a repository needs to write inside an open transaction: the Kysely transaction (both
 * dialects; readers outside the processor may pass the root handle) and, on SQLite inside a
 * transaction only, the raw connection under it. Statements run on that connection join
 * the transaction because Kysely uses the same single connection; only use it while the
 * transaction is open.
 */
export interface WriteScope {
  transaction: DbExecutor;
  sqlite?: SqliteConnection | undefined;
}

export type SqliteValue = string | number | bigint | Buffer | null;

const statementsByConnection = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();
const statementCapacity = 1_000;

/**
 * Prepared once per connection and SQL text: on the processor's hot paths, building SQL through
 * Kysely and re-binding thousands of value nodes cost more than SQLite's own work.
 *
 * The least recently used statement makes room for a new one. Kysely's queries come here too: with
 * a text for each length of an `in (…)` list they had filled 500 places about every 500 prepares
 * under `hearth serve`, and emptying the cache then (as it did) made every hot statement, the
 * 256-row inserts among them, be prepared again (4,800 prepares in the bench's live part). With the
 * lists padded (InListBucketsSqliteDialect) `serve` uses about 800 texts with every stage: room for 1,000.
 */
export function cachedStatement(connection: SqliteConnection, text: string): SqliteStatement {
  let statements = statementsByConnection.get(connection);
  if (!statements) {
    statements = new Map();
    statementsByConnection.set(connection, statements);
  }
  let statement = statements.get(text);
  if (statement) {
    // A Map keeps insertion order: moved to the end, the first key is the least recently used.
    statements.delete(text);
  } else {
    if (statements.size >= statementCapacity) statements.delete(statements.keys().next().value as string);
    statement = connection.prepare(text);
  }
  statements.set(text, statement);
  return statement;
}

const largestChunk = 256;

/**
 * Full chunks of 256, then the remainder in powers of two: a multi-row statement then has at most
 * nine shapes, each prepared once, instead of one per remainder size.
 */
export function bulkChunks<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  let size = largestChunk;
  while (start < items.length) {
    while (size > items.length - start) size /= 2;
    chunks.push(items.slice(start, start + size));
    start += size;
  }
  return chunks;
}

const placeholderLists = new Map<string, string>();

/** `(?, ?), (?, ?), …` for `rows` rows of `row`, remembered per shape. */
export function rowPlaceholders(rows: number, row: string): string {
  const key = `${rows}\u0000${row}`;
  let list = placeholderLists.get(key);
  if (list === undefined) {
    list = Array.from({ length: rows }, () => row).join(', ');
    placeholderLists.set(key, list);
  }
  return list;
}

/** `?, ?, …`, for IN lists. */
export function listPlaceholders(count: number): string {
  return rowPlaceholders(count, '?');
}

/**
 * `head IN (…)tail` over many ids, a cached statement per chunk shape; `leading` are the
 * parameters before the list. Only inside a transaction on this connection (see WriteScope).
 */
export function selectIn<Row>(
  connection: SqliteConnection,
  query: { head: string; tail?: string; leading?: SqliteValue[] },
  ids: readonly string[],
): Row[] {
  const rows: Row[] = [];
  for (const chunk of bulkChunks(ids)) {
    const text = `${query.head} in (${listPlaceholders(chunk.length)})${query.tail ?? ''}`;
    for (const row of cachedStatement(connection, text).all(...(query.leading ?? []), ...chunk) as Row[])
      rows.push(row);
  }
  return rows;
}

/**
 * Rows of many ids, read the way the caller's scope allows: by `selectIn` on the processor's
 * SQLite connection (inside its transaction), else by `kysely` (both dialects), a chunk at a time.
 */
export async function selectByIds<Row>(
  sqlite: SqliteConnection | undefined,
  query: { head: string; tail?: string; leading?: SqliteValue[] },
  ids: readonly string[],
  kysely: (chunk: string[]) => Promise<Row[]>,
): Promise<Row[]> {
  if (sqlite) return selectIn<Row>(sqlite, query, ids);
  const rows: Row[] = [];
  for (const chunk of chunks(ids)) for (const row of await kysely(chunk)) rows.push(row);
  return rows;
}

/**
 * Runs `head VALUES (…), (…) tail` over every row, a chunk per statement. `row` is one row's
 * placeholders and `values` turns an item into that row's parameters.
 */
export function runMultiRow<T>(
  connection: SqliteConnection,
  statement: { head: string; row: string; tail?: string },
  items: readonly T[],
  values: (item: T) => SqliteValue[],
): void {
  for (const chunk of bulkChunks(items)) {
    const text = `${statement.head} values ${rowPlaceholders(chunk.length, statement.row)}${statement.tail ?? ''}`;
    const parameters: SqliteValue[] = [];
    for (const item of chunk) for (const value of values(item)) parameters.push(value);
    cachedStatement(connection, text).run(parameters);
  }
}
