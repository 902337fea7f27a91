import { resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { DatabaseSchema } from './schema.ts';
import { migrateToLatest } from './migrate.ts';
import { cachedStatement } from './sqlite-statements.ts';
import { InListBucketsSqliteDialect } from './in-list-buckets.ts';
import { openSqliteConnection } from './sqlite-connection.ts';
import { createWriteGate, type WriteGate } from './write-gate.ts';

export type DialectName = 'sqlite' | 'postgres';
export type Db = Kysely<DatabaseSchema>;
export type DbTransaction = Transaction<DatabaseSchema>;
/** Repositories accept either the root handle or an open transaction. */
export type DbExecutor = Db | DbTransaction;
export type SqliteConnection = BetterSqlite3.Database;
export type SqliteStatement = BetterSqlite3.Statement;

export interface Database {
  db: Db;
  dialect: DialectName;
  /** Where the data lives, for messages (password-free). */
  location: string;
  /**
   * The SQLite connection under Kysely, for the few hot paths (appending to the log, marking
   * events) where a cached prepared statement beats building SQL per call. Statements run on it
   * join the transaction Kysely has open, because Kysely uses this one connection.
   */
  sqlite?: SqliteConnection;
  /** SQLite: the turns this process's writers take at the file (see WriteGate). */
  writeGate?: WriteGate;
  close(): Promise<void>;
}

// bigint (int8) columns hold epoch milliseconds and minor units: well inside 2^53.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

export async function openDatabase(location: string, options: { migrate?: boolean } = {}): Promise<Database> {
  const database = isPostgresUrl(location) ? openPostgres(location) : openSqlite(location);
  if (options.migrate !== false) await migrateToLatest(database.db as Kysely<unknown>, database.dialect);
  return database;
}

function openSqlite(path: string): Database {
  const absolute = path === ':memory:' ? path : resolve(path);
  const connection = openSqliteConnection(absolute);
  const db = new Kysely<DatabaseSchema>({
    dialect: new InListBucketsSqliteDialect({ database: withStatementCache(connection) }),
  });
  return {
    db,
    dialect: 'sqlite',
    location: absolute,
    sqlite: connection,
    writeGate: createWriteGate(),
    close: () => db.destroy(),
  };
}

/**
 * Kysely prepares every query afresh; compiling SQL in SQLite costs more than running a small
 * query. Its statements share the connection's statement cache, which is safe because Kysely runs
 * one query at a time on the connection.
 */
function withStatementCache(connection: SqliteConnection) {
  return { prepare: (sql: string) => cachedStatement(connection, sql), close: () => connection.close() };
}

function openPostgres(url: string): Database {
  // JIT off: segment counts' correlated subqueries look costly to the planner, which then spends
  // 40–480 ms compiling queries that run in less.
  const pool = new pg.Pool({ connectionString: url, max: 10, options: '-c jit=off' });
  // A dropped idle connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  const safeLocation = url.replace(/\/\/[^@/]*@/, '//');
  return { db, dialect: 'postgres', location: safeLocation, close: () => db.destroy() };
}

export interface WriteLockOptions {
  /**
   * What the transaction writes can be derived again from the event log (the processor's state
   * and checkpoint): its commit need not wait for the disk. A power cut may then undo the last
   * such commits, never half of one, and the processor derives them again from the log, which
   * is always written durably. SQLite commits it with `synchronous = NORMAL` (its frames reach
   * the disk with the next fsync of the WAL), PostgreSQL with `synchronous_commit = off`.
   */
  rebuildable?: boolean;
}

/**
 * Opens a write transaction that holds the database's write lock from its first statement.
 * SQLite's deferred BEGIN would fail with SQLITE_BUSY when a reader later upgrades; PostgreSQL
 * takes the named advisory lock so concurrent writers of the same log serialize. On SQLite the
 * transaction first waits its turn at the process's write gate, so it does not wait for the log's
 * writer thread in SQLite's busy handler, which blocks the event loop.
 */
function readSynchronous(connection: SqliteConnection): number {
  const row = cachedStatement(connection, 'pragma synchronous').get() as { synchronous: number } | undefined;
  return Number(row?.synchronous);
}

export async function withWriteLock<T>(
  database: Database,
  lockName: string,
  work: (transaction: DbTransaction) => Promise<T>,
  options: WriteLockOptions = {},
): Promise<T> {
  const transactOn = (db: Db) =>
    db.transaction().execute(async (transaction) => {
      if (database.dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext(${lockName}))`.execute(transaction);
        if (options.rebuildable) await sql`set local synchronous_commit = off`.execute(transaction);
      } else if (database.sqlite) {
        // Any write takes SQLite's RESERVED lock at once; this one changes nothing. Run on the
        // connection Kysely's transaction holds, as a cached statement: it runs for every transaction.
        cachedStatement(database.sqlite, 'update processor_checkpoints set position = position where 0').run();
      } else {
        await sql`update processor_checkpoints set position = position where 0`.execute(transaction);
      }
      return work(transaction);
    });
  const connection = database.sqlite;
  const transact =
    options.rebuildable && connection
      ? // SQLite allows no change of `synchronous` inside a transaction: it is set around this one
        // while the connection is held, so no other statement commits with it.
        () =>
          database.db.connection().execute(async (db) => {
            // Prepared once: `pragma()` prepares its statement on every call, three per batch.
            const level = readSynchronous(connection);
            cachedStatement(connection, 'pragma synchronous = NORMAL').run();
            try {
              return await transactOn(db);
            } finally {
              cachedStatement(connection, `pragma synchronous = ${level}`).run();
            }
          })
      : () => transactOn(database.db);
  return database.writeGate ? database.writeGate.run(transact) : transact();
}
