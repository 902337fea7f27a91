import { afterEach } from 'vitest';
import { openDatabase, type Database } from '../../src/platform/db/database.ts';
import { spawnServe, type ServeProcess } from './hearth-cli.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface ServerFixtures {
  /** A fresh database, and a connection to inspect it; both go away after the test. */
  setup(): Promise<{ database: TestDatabase; inspector: Database }>;
  /** A real `hearth serve` on the database, killed after the test. */
  serve(location: string): Promise<ServeProcess>;
  /** Anything else to undo after the test, newest first. */
  defer(cleanup: () => Promise<unknown>): void;
}

/** Registers its own afterEach: call it once inside a describe block. */
export function useServerFixtures(): ServerFixtures {
  const cleanups: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  return {
    async setup() {
      const database = await createTestDatabase();
      cleanups.push(() => database.drop());
      const inspector = await openDatabase(database.location);
      cleanups.push(() => inspector.close());
      return { database, inspector };
    },
    async serve(location) {
      const server = await spawnServe(location);
      cleanups.push(() => server.kill('SIGKILL'));
      return server;
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
  };
}
