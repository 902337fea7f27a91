import type { Clock } from '../../src/platform/clock.ts';
import { silentLogger } from '../../src/platform/log.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { startServer } from '../../src/server.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface TestServer {
  url: string;
  runtime: Runtime;
  database: TestDatabase;
  workspaceId: string;
  writeKey: string;
  secretKey: string;
  /** Basic auth header for the tracking API. */
  trackingAuth: string;
  /** Bearer header for the management API. */
  apiAuth: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  clock?: Clock;
  workspace?: { name?: string; currency?: string; timezone?: string; phoneRegion?: string };
  maxPendingEvents?: number;
  /** Leave the processor stopped so a test can drive it by hand. */
  manualProcessing?: boolean;
  /** Keep the clock ticker polling in the background; by default tests tick by hand (`runtime.ticker.runOnce()`). */
  backgroundTicks?: boolean;
  subjectsPerTick?: number;
  /** Give workspaces of this many members a segment preview index (the runtime's default is 10,000). */
  previewIndexMinimumMembers?: number;
  /** Threads preparing tracking requests; by default one, as `hearth serve` runs on two cores. */
  ingestThreads?: number;
}

/** A real Hearth server on a fresh database and a random port. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const runtime = await openRuntime({
    database: database.location,
    logger: silentLogger,
    ingestThreads: options.ingestThreads ?? 1,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.maxPendingEvents !== undefined ? { maxPendingEvents: options.maxPendingEvents } : {}),
    ...(options.subjectsPerTick !== undefined ? { subjectsPerTick: options.subjectsPerTick } : {}),
    ...(options.backgroundTicks ? { tickMilliseconds: 25 } : {}),
    ...(options.previewIndexMinimumMembers !== undefined
      ? { previewIndexMinimumMembers: options.previewIndexMinimumMembers }
      : {}),
  });
  const keys = await runtime.workspaces.create({ name: 'Test brand', ...options.workspace });
  const server = await startServer(runtime, { port: 0, host: '127.0.0.1' });
  if (options.manualProcessing) await runtime.processor.stop();
  // Tests move a manual clock: they say when time is looked at, so what they assert is not a race.
  if (!options.backgroundTicks) await runtime.ticker.stop();
  return {
    url: server.url,
    runtime,
    database,
    workspaceId: keys.workspaceId,
    writeKey: keys.writeKey,
    secretKey: keys.secretKey,
    trackingAuth: `Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}`,
    apiAuth: `Bearer ${keys.secretKey}`,
    close: async () => {
      await server.close();
      await runtime.close();
      await database.drop();
    },
  };
}
