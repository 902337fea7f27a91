import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log.ts';
import { performance } from 'node:perf_hooks';
import { nextTickLimit, type TickSizing } from './tick-sizing.ts';
import { findDueTimers } from './timers.repo.ts';

export interface ClockTicker {
  /** Ticks every workspace with due timers until none is due; returns the number of ticks. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export interface ClockTickerOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** Appends a tick for the workspace (durable when it resolves) and returns its log position. */
  appendTick(workspaceId: string, until: number, limit: number): Promise<number>;
  /** Resolves once the log is processed through the position. */
  processThrough(position: number): Promise<void>;
  intervalMilliseconds?: number;
  /** The most due subjects one tick advances per stage (default 500). */
  subjectsPerTick?: number;
  /** How long a tick should take to process; tick sizes follow it (default 100 ms). */
  tickTargetMilliseconds?: number;
}

/**
 * Polls the timers stages keep and, when some are due, appends a clock tick to the log and waits
 * for it to be processed. Ticks are only written when something is due, so an idle brand's log
 * does not fill with them; several processes ticking at once only repeat work that is idempotent.
 */
export function createClockTicker(options: ClockTickerOptions): ClockTicker {
  const interval = options.intervalMilliseconds ?? 1_000;
  const sizing: TickSizing = {
    targetMilliseconds: options.tickTargetMilliseconds ?? 100,
    minimum: Math.min(10, options.subjectsPerTick ?? 500),
    maximum: options.subjectsPerTick ?? 500,
  };
  /** Each workspace's next tick size, learnt from its last tick; a first tick starts small. */
  const limits = new Map<string, number>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<number> | undefined;

  async function tickAll(): Promise<number> {
    let ticks = 0;
    let dueBefore = Number.POSITIVE_INFINITY;
    for (;;) {
      const until = options.clock.now();
      const { workspaceIds, due } = await findDueTimers(options.database.db, until);
      if (workspaceIds.length === 0) return ticks;
      // A stage that leaves its timers due would make this loop forever: stop and say so.
      if (due >= dueBefore) {
        options.logger.warn({ due }, 'due timers did not go down after a tick; will try again later');
        return ticks;
      }
      dueBefore = due;
      for (const workspaceId of workspaceIds) {
        const limit = limits.get(workspaceId) ?? Math.min(100, sizing.maximum);
        const started = performance.now();
        await options.processThrough(await options.appendTick(workspaceId, until, limit));
        limits.set(workspaceId, nextTickLimit(limit, performance.now() - started, sizing));
        ticks += 1;
      }
    }
  }

  function runOnce(): Promise<number> {
    current ??= tickAll().finally(() => (current = undefined));
    return current;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => options.logger.error({ err: error }, 'clock tick failed'))
        .finally(schedule);
    }, interval);
  }

  return {
    runOnce,
    start: () => {
      if (running) return;
      running = true;
      schedule();
    },
    stop: async () => {
      running = false;
      clearTimeout(timer);
      await current;
    },
  };
}
