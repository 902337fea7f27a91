import { describe, expect, it } from 'vitest';
import { useMigratedTestDatabase } from '../../../test/support/test-database.ts';
import { createManualClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { createClockTicker } from './clock-ticker.ts';
import { readDueSubjects, scheduleTimers } from './timers.repo.ts';

const opened = useMigratedTestDatabase();
const now = Date.UTC(2026, 4, 1);

/** Stands in for a stage: a tick advances (here: moves on) the first `limit` due subjects. */
async function advanceDue(workspaceId: string, until: number, limit: number): Promise<void> {
  const db = opened.database.db;
  const due = await readDueSubjects(db, workspaceId, 'loyalty', until, limit);
  await scheduleTimers(
    db,
    workspaceId,
    'loyalty',
    due.map((subject) => ({ subject, dueAt: null })),
  );
}

describe('createClockTicker', () => {
  it('ticks each workspace with due timers, in rounds, until none is due', async () => {
    const db = opened.database.db;
    await scheduleTimers(db, 'ws_a', 'loyalty', [
      { subject: 'm1', dueAt: now - 10 },
      { subject: 'm2', dueAt: now - 5 },
      { subject: 'm3', dueAt: now + 1_000 },
    ]);
    await scheduleTimers(db, 'ws_b', 'loyalty', [{ subject: 'm4', dueAt: now }]);
    const ticks: Array<[string, number, number]> = [];
    const ticker = createClockTicker({
      database: opened.database,
      clock: createManualClock(now),
      logger: silentLogger,
      appendTick: async (workspaceId, until, limit) => {
        ticks.push([workspaceId, until, limit]);
        await advanceDue(workspaceId, until, limit);
        return ticks.length;
      },
      processThrough: async () => undefined,
      subjectsPerTick: 1,
    });
    expect(await ticker.runOnce()).toBe(3);
    expect(ticks).toEqual([
      ['ws_a', now, 1],
      ['ws_b', now, 1],
      ['ws_a', now, 1],
    ]);
    expect(await ticker.runOnce()).toBe(0);
  });

  it('stops and warns when a tick leaves its timers due, rather than ticking forever', async () => {
    const db = opened.database.db;
    await scheduleTimers(db, 'ws_a', 'loyalty', [{ subject: 'm1', dueAt: now - 10 }]);
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (...args: unknown[]) => void warnings.push(args) } as Logger;
    const ticker = createClockTicker({
      database: opened.database,
      clock: createManualClock(now),
      logger,
      appendTick: async () => 1,
      processThrough: async () => undefined,
    });
    expect(await ticker.runOnce()).toBe(1);
    expect(warnings).toHaveLength(1);
  });

  it('sizes each tick from how long the last one took, so no tick holds up the events behind it for long', async () => {
    const db = opened.database.db;
    await scheduleTimers(
      db,
      'ws_a',
      'loyalty',
      Array.from({ length: 300 }, (_, index) => ({ subject: `m${index}`, dueAt: now - 1 })),
    );
    const limits: number[] = [];
    const ticker = createClockTicker({
      database: opened.database,
      clock: createManualClock(now),
      logger: silentLogger,
      appendTick: async (workspaceId, until, limit) => {
        limits.push(limit);
        await advanceDue(workspaceId, until, limit);
        return limits.length;
      },
      // Each tick takes 40 ms to process, twice the target.
      processThrough: () => new Promise((resolve) => setTimeout(resolve, 40)),
      tickTargetMilliseconds: 20,
    });
    await ticker.runOnce();
    expect(limits[0]).toBe(100);
    expect(limits[1]).toBeLessThanOrEqual(50);
    expect(limits[2]).toBeLessThanOrEqual(25);
    expect(limits.reduce((sum, limit) => sum + limit, 0)).toBeGreaterThanOrEqual(300);
    expect(await readDueSubjects(db, 'ws_a', 'loyalty', now, 1_000)).toEqual([]);
  });
});
