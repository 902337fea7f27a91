import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDialect, type TestDatabase } from '../../../test/support/test-database.ts';
import { openDatabase, withWriteLock, type Database, type DbTransaction } from './database.ts';

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Tries to take SQLite's write lock from another connection without waiting; returns the error code, if any. */
function tryBeginImmediate(other: BetterSqlite3.Database): string | undefined {
  try {
    other.exec('BEGIN IMMEDIATE');
  } catch (error) {
    return errorCode(error) ?? 'unknown error';
  }
  other.exec('ROLLBACK');
  return undefined;
}

describe.runIf(testDialect === 'sqlite')('withWriteLock on SQLite', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let other: BetterSqlite3.Database;

  beforeEach(async () => {
    testDatabase = await createTestDatabase();
    database = await openDatabase(testDatabase.location);
    other = new BetterSqlite3(testDatabase.location);
    other.pragma('busy_timeout = 0');
  });

  afterEach(async () => {
    other.close();
    await database.close();
    await testDatabase.drop();
  });

  it('holds the write lock before the work runs its first statement, and releases it at the end', async () => {
    expect(tryBeginImmediate(other)).toBeUndefined();
    const seenInside = await withWriteLock(database, 'test', async () => tryBeginImmediate(other));
    expect(seenInside).toBe('SQLITE_BUSY');
    expect(tryBeginImmediate(other)).toBeUndefined();
  });

  it('releases the lock when the work throws', async () => {
    await expect(
      withWriteLock(database, 'test', async () => {
        expect(tryBeginImmediate(other)).toBe('SQLITE_BUSY');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(tryBeginImmediate(other)).toBeUndefined();
  });

  it('differs from a plain deferred transaction, which a reader does not lock out (control)', async () => {
    const seenInside = await database.db.transaction().execute(async (transaction) => {
      await transaction.selectFrom('processor_checkpoints').selectAll().execute();
      return tryBeginImmediate(other);
    });
    expect(seenInside).toBeUndefined();
  });

  it('writes in the lock stay invisible to the other connection until commit', async () => {
    const count = () => (other.prepare('select count(*) as n from processor_checkpoints').get() as { n: number }).n;
    await withWriteLock(database, 'test', async (transaction) => {
      await transaction
        .insertInto('processor_checkpoints')
        .values({ name: 'lock-test', position: 1, updated_at: 0 })
        .execute();
      expect(count()).toBe(0);
    });
    expect(count()).toBe(1);
  });

  it('commits a rebuildable transaction without its own fsync, and every other write still with one', async () => {
    const level = () => Number(database.sqlite?.pragma('synchronous', { simple: true }));
    const inside = await withWriteLock(database, 'processor', async () => level(), { rebuildable: true });
    // NORMAL (1) in the transaction; FULL (2), as the connection was opened, before and after it.
    expect([inside, level()]).toEqual([1, 2]);
    await expect(
      withWriteLock(database, 'processor', async () => Promise.reject(new Error('boom')), { rebuildable: true }),
    ).rejects.toThrow('boom');
    expect(level()).toBe(2);
    expect(await withWriteLock(database, 'event-log', async () => level())).toBe(2);
  });
});

describe.runIf(testDialect === 'postgres')('withWriteLock on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let other: pg.Client;

  beforeEach(async () => {
    testDatabase = await createTestDatabase();
    database = await openDatabase(testDatabase.location);
    other = new pg.Client({ connectionString: testDatabase.location });
    await other.connect();
  });

  afterEach(async () => {
    await other.end();
    await database.close();
    await testDatabase.drop();
  });

  async function tryLock(name: string): Promise<boolean> {
    const result = await other.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [
      name,
    ]);
    const locked = result.rows[0]?.locked === true;
    if (locked) await other.query('select pg_advisory_unlock(hashtext($1))', [name]);
    return locked;
  }

  it('holds the named advisory lock for the whole transaction, and only that name', async () => {
    const seen = await withWriteLock(database, 'test-lock', async (transaction) => {
      await sql`select 1`.execute(transaction);
      return { same: await tryLock('test-lock'), otherName: await tryLock('another-lock') };
    });
    expect(seen).toEqual({ same: false, otherName: true });
    expect(await tryLock('test-lock')).toBe(true);
  });

  it('releases the lock when the work throws', async () => {
    await expect(
      withWriteLock(database, 'test-lock', async () => {
        expect(await tryLock('test-lock')).toBe(false);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await tryLock('test-lock')).toBe(true);
  });

  it('commits a rebuildable transaction without waiting for the WAL flush, and only that one', async () => {
    const setting = async (transaction: DbTransaction) =>
      (await sql<{ value: string }>`select current_setting('synchronous_commit') as value`.execute(transaction)).rows[0]
        ?.value;
    expect(await withWriteLock(database, 'processor', setting, { rebuildable: true })).toBe('off');
    expect(await withWriteLock(database, 'event-log', setting)).toBe('on');
  });
});
