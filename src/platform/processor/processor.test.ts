import { describe, expect, it } from 'vitest';
import { useMigratedTestDatabase } from '../../../test/support/test-database.ts';
import { readEventsAfter } from '../../modules/ingest/event-log.repo.ts';
import { createEventLogWriter } from '../../modules/ingest/event-log-writer.ts';
import type { NewEvent } from '../../modules/ingest/ingest.schema.ts';
import { createManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import { clockTickPayload } from '../timers/clock-tick.ts';
import { createProcessor } from './processor.ts';
import type { Stage } from './stage.ts';

const opened = useMigratedTestDatabase();

const at = Date.UTC(2026, 4, 1);

function event(messageId: string, payload: Record<string, unknown> = {}): NewEvent {
  const operation = Object.keys(payload).length > 0;
  return {
    id: `evt_${messageId}`,
    workspaceId: 'ws_a',
    messageId,
    type: operation ? 'hearth_operation' : 'track',
    eventName: operation ? 'Operation' : 'Viewed',
    userId: operation ? null : 'u-1',
    anonymousId: null,
    eventTime: at,
    receivedAt: at,
    sentAt: null,
    originalTimestamp: null,
    payload: { ...payload, messageId },
  };
}

function processorWithStage(
  stage: Stage,
  batches: { catchUpBatchSize?: number; catchUpTransactionEvents?: number } = {},
) {
  return createProcessor({
    database: opened.database,
    clock: createManualClock(at),
    logger: silentLogger,
    readEventsAfter,
    stages: [stage],
    ...batches,
  });
}

describe('createProcessor batch boundaries', () => {
  it('ends a batch after an operation that rewrites history, and runs a clock tick in a batch of its own', async () => {
    await createEventLogWriter(opened.database).append([
      event('a'),
      event('b'),
      event('tick', clockTickPayload(at, 10)),
      event('c'),
      event('split', { operation: 'split', endsBatch: true }),
      event('d'),
      event('tick-2', clockTickPayload(at, 10)),
    ]);
    const batches: string[][] = [];
    const processor = processorWithStage({
      name: 'recorder',
      apply: async (batch) => void batches.push(batch.events.map((logged) => logged.messageId)),
      reset: async () => undefined,
    });
    expect(await processor.runUntilIdle()).toBe(7);
    expect(batches).toEqual([['a', 'b'], ['tick'], ['c', 'split'], ['d'], ['tick-2']]);
  });

  it('gives an event a stage claims a batch of its own, and cuts where a test says', async () => {
    await createEventLogWriter(opened.database).append(
      ['a', 'b', 'c', 'claimed', 'd', 'e', 'f'].map((id) => event(id)),
    );
    const batches: string[][] = [];
    const sizes = [2, 3, 1, 5];
    const processor = createProcessor({
      database: opened.database,
      clock: createManualClock(at),
      logger: silentLogger,
      readEventsAfter,
      stages: [
        {
          name: 'recorder',
          alone: (logged) => logged.messageId === 'claimed',
          apply: async (batch) => void batches.push(batch.events.map((logged) => logged.messageId)),
          reset: async () => undefined,
        },
      ],
      nextBatchLimit: () => sizes.shift() ?? 5,
    });
    expect(await processor.runUntilIdle()).toBe(7);
    // Limits 2; 3, cut before the claimed event; 1, the claimed event alone; 5, to the end.
    expect(batches).toEqual([['a', 'b'], ['c'], ['claimed'], ['d', 'e', 'f']]);
  });

  it('catches up in full batches and stops at the end of the log without an empty batch', async () => {
    const stored = await createEventLogWriter(opened.database).append(['a', 'b', 'c', 'd', 'e'].map((id) => event(id)));
    expect(stored.accepted).toBe(5);
    const reads: number[] = [];
    const options = {
      database: opened.database,
      clock: createManualClock(at),
      logger: silentLogger,
      batchSize: 2,
      stages: [],
    };
    const processor = createProcessor({
      ...options,
      readEventsAfter: async (db, position, limit) => {
        const events = await readEventsAfter(db, position, limit);
        reads.push(events.length);
        return events;
      },
    });
    expect(processor.processedThrough()).toBe(0);
    expect(await processor.catchUp()).toBe(5);
    expect(reads).toEqual([2, 2, 1]);
    const last = await processor.position();
    expect(processor.processedThrough()).toBe(last);

    // Another process's processor learns the checkpoint from its first batch, which finds nothing to do.
    const other = createProcessor({ ...options, readEventsAfter });
    expect(other.processedThrough()).toBe(0);
    expect(await other.catchUp()).toBe(0);
    expect(other.processedThrough()).toBe(last);

    await processor.reset();
    expect(processor.processedThrough()).toBe(0);
  });

  it('wakes the live loop for appends it has not processed, and not for those a catch-up already took', async () => {
    const writer = createEventLogWriter(opened.database);
    const reads: number[] = [];
    const processor = createProcessor({
      database: opened.database,
      clock: createManualClock(at),
      logger: silentLogger,
      stages: [],
      // Long enough that only wakes, not the poll, run batches during the test.
      pollMilliseconds: 60_000,
      readEventsAfter: async (db, position, limit) => {
        const events = await readEventsAfter(db, position, limit);
        reads.push(events.length);
        return events;
      },
    });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
    processor.start();
    try {
      await settle();
      expect(reads).toEqual([0]);
      const first = await writer.append([event('a'), event('b')]);
      expect(await processor.catchUp()).toBe(2);
      processor.wake(first.positions[1] ?? undefined);
      await settle();
      expect(reads).toEqual([0, 2]);

      const second = await writer.append([event('c')]);
      processor.wake(second.positions[0] ?? undefined);
      await settle();
      expect(reads).toEqual([0, 2, 1]);
      expect(processor.processedThrough()).toBe(second.positions[0]);

      // Without a position (another source), a wake always looks.
      processor.wake();
      await settle();
      expect(reads).toEqual([0, 2, 1, 0]);
    } finally {
      await processor.stop();
    }
  });
});

describe('createProcessor catch-up transactions', () => {
  const tenEvents = () => Array.from({ length: 10 }, (_, index) => event(`e${index}`));

  const catchUpProcessor = (stage: Stage) =>
    processorWithStage(stage, { catchUpBatchSize: 2, catchUpTransactionEvents: 6 });

  it('commits several batches at once when catching up', async () => {
    await createEventLogWriter(opened.database).append(tenEvents());
    const batches: number[] = [];
    const recorder: Stage = {
      name: 'recorder',
      apply: async (batch) => void batches.push(batch.events.length),
      reset: async () => undefined,
    };
    const committed: number[] = [];
    expect(await catchUpProcessor(recorder).runUntilIdle((position) => committed.push(position))).toBe(10);
    expect(batches).toEqual([2, 2, 2, 2, 2]);
    // Progress is reported per commit: after three batches, then after the last two.
    expect(committed).toEqual([6, 10]);
  });

  it('commits one batch at a time on the live path, even a batch an operation cut short', async () => {
    await createEventLogWriter(opened.database).append([
      event('a'),
      event('split', { operation: 'split', endsBatch: true }),
      event('b'),
    ]);
    const processor = catchUpProcessor({ name: 'none', apply: async () => undefined, reset: async () => undefined });
    expect(await processor.runOnce()).toBe(2);
    expect(await processor.position()).toBe(2);
    expect(await processor.runOnce()).toBe(1);
  });

  it('rolls back every batch of a transaction when one fails, and takes them again', async () => {
    await createEventLogWriter(opened.database).append(tenEvents());
    let failures = 1;
    const seen: string[] = [];
    const failing: Stage = {
      name: 'failing',
      apply: async (batch) => {
        seen.push(...batch.events.map((logged) => logged.messageId));
        if (batch.events.some((logged) => logged.messageId === 'e4') && failures-- > 0) throw new Error('third batch');
      },
      reset: async () => undefined,
    };
    const processor = catchUpProcessor(failing);
    await expect(processor.runUntilIdle()).rejects.toThrow('third batch');
    // The first two batches were in the failed transaction: nothing is committed.
    expect(await processor.position()).toBe(0);
    expect(await processor.runUntilIdle()).toBe(10);
    expect(seen).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', ...tenEvents().map((item) => item.messageId)]);
    expect(await processor.position()).toBe(10);
  });
});

describe('createProcessor answers', () => {
  it('hands a stage’s answers over once its batch has committed, once each, and none of a batch that rolled back', async () => {
    await createEventLogWriter(opened.database).append([event('ok', { operation: 'demo' })]);
    let failNext = true;
    const processor = processorWithStage({
      name: 'answering',
      apply: async (batch) => {
        for (const logged of batch.events) batch.answers.set(logged.id, { status: 200, body: { seq: logged.seq } });
        if (failNext) {
          failNext = false;
          throw new Error('the batch fails after answering');
        }
      },
      reset: async () => undefined,
    });
    await expect(processor.runOnce()).rejects.toThrow('the batch fails after answering');
    expect(processor.takeAnswer('evt_ok')).toBeUndefined();
    expect(await processor.runOnce()).toBe(1);
    expect(processor.takeAnswer('evt_ok')).toEqual({ status: 200, body: { seq: 1 } });
    expect(processor.takeAnswer('evt_ok')).toBeUndefined();
  });
});
