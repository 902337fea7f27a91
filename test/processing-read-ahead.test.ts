import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/platform/db/database.ts';
import { silentLogger } from '../src/platform/log.ts';
import { openRuntime } from '../src/runtime.ts';
import { snapshotDerivedState, type DerivedState } from './support/derived-state.ts';
import { runHearth } from './support/hearth-cli.ts';

// SQLite files of their own in both suites: the read-ahead thread is how a SQLite file is read.
let directory: string | undefined;

afterEach(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

function copyLog(from: string, to: string): void {
  for (const suffix of ['', '-wal']) if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
}

async function processCopy(location: string, readLogAhead: boolean) {
  const runtime = await openRuntime({ database: location, logger: silentLogger, batchSize: 300, readLogAhead });
  const processed = await runtime.processor.runUntilIdle();
  const reads = runtime.logReads();
  await runtime.close();
  const database = await openDatabase(location);
  const state: DerivedState = await snapshotDerivedState(database);
  await database.close();
  return { processed, reads, state };
}

describe('catching up with a SQLite log read ahead on a thread', () => {
  it('derives exactly what reading it on the processor connection derives, every batch after the first read ahead', async () => {
    directory = mkdtempSync(join(tmpdir(), 'hearth-read-ahead-'));
    const log = join(directory, 'log.db');
    const demo = await runHearth(['demo', '--members', '150', '--seed', '11', '--no-process', '--json', '--db', log]);
    expect(demo.code, demo.stderr).toBe(0);
    const { accepted } = JSON.parse(demo.stdout) as { accepted: number };
    expect(accepted).toBeGreaterThan(1_500);
    copyLog(log, join(directory, 'ahead.db'));
    copyLog(log, join(directory, 'here.db'));

    const ahead = await processCopy(join(directory, 'ahead.db'), true);
    const here = await processCopy(join(directory, 'here.db'), false);
    expect(ahead.processed).toBe(accepted);
    expect(here.processed).toBe(accepted);
    expect(here.reads).toBeUndefined();
    // Batches of 300: the first read on the connection, every other full one ahead, the last (short)
    // one on the connection again.
    expect(ahead.reads).toEqual({ ahead: Math.floor(accepted / 300) - 1, here: 2 });
    expect(ahead.state.members.length).toBeGreaterThan(150);
    expect(ahead.state).toEqual(here.state);
  }, 120_000);
});
