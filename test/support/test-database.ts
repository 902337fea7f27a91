import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/db/database.ts';

/** The whole suite runs on SQLite by default and on PostgreSQL with HEARTH_TEST_DB=postgres. */
export const testDialect: 'sqlite' | 'postgres' = process.env.HEARTH_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

const adminUrl = process.env.HEARTH_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  location: string;
  drop(): Promise<void>;
}

/** A database of its own for each caller, so test files and CI runs never collide. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDialect === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'hearth-test-'));
    return {
      location: join(directory, 'hearth.db'),
      drop: async () => rmSync(directory, { recursive: true, force: true }),
    };
  }
  const name = `hearth_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    location: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * A fresh, migrated database: for each test of the file (`each`), or one for the whole file
 * (`all`, for property tests that give each run a workspace of its own); closed and dropped after.
 */
export function useMigratedTestDatabase(scope: 'each' | 'all' = 'each'): { readonly database: Database } {
  let testDatabase: TestDatabase | undefined;
  let database: Database | undefined;
  (scope === 'each' ? beforeEach : beforeAll)(async () => {
    testDatabase = await createTestDatabase();
    database = await openDatabase(testDatabase.location);
  });
  (scope === 'each' ? afterEach : afterAll)(async () => {
    await database?.close();
    await testDatabase?.drop();
  });
  return {
    get database(): Database {
      if (!database) throw new Error('the test database is open only inside a test');
      return database;
    },
  };
}
