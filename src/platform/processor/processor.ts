import type { Clock } from '../clock.ts';
import { nextTurn } from '../event-loop.ts';
import { withWriteLock, type Database, type DbExecutor, type DbTransaction } from '../db/database.ts';
import { cachedStatement, type WriteScope } from '../db/sqlite-statements.ts';
import type { Logger } from '../log.ts';
import { createOperationAnswers, type OperationAnswer } from './operation-answers.ts';
import type { LoggedEvent, ProcessingBatch, Stage } from './stage.ts';

export interface ProcessorOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  stages: Stage[];
  readEventsAfter(db: DbExecutor, position: number, limit: number): Promise<LoggedEvent[]>;
  batchSize?: number;
  /**
   * Batches of `runUntilIdle` (import, demo, replay): nobody waits on the log's write lock there,
   * and fewer, larger transactions process a backlog faster (2,000 → 5,000 took the demo log from
   * 24k to 29k events/s). The live loop keeps `batchSize`, so appends never wait long behind a batch.
   */
  catchUpBatchSize?: number;
  /**
   * Events a transaction of `runUntilIdle` may hold, in batches of `catchUpBatchSize`. A commit
   * writes every page its transaction dirtied, and the indexes on random keys (identifiers by
   * value, orders by id) have most of their pages dirtied by every batch: committing every fourth
   * batch wrote 56% fewer WAL frames processing the demo log (58,083 → 25,651), where the commits
   * had been 8% of the main thread's time. Batches stay as small as before: a larger batch keeps
   * more of the log alive in the heap, and batches of 20,000 had cost the process 0.6–2.8 s more CPU
   * (its other threads: 8 pairs of 8) for no gain on the main thread the noise let us see.
   */
  catchUpTransactionEvents?: number;
  /** When idle, look for work written by other processes this often. */
  pollMilliseconds?: number;
  /**
   * Tests only: the most events each next batch may take, in place of `batchSize` and
   * `catchUpBatchSize`, so a test can cut one log at other places (seeded random sizes) and check
   * that what the stages derive does not depend on where the batches end.
   */
  nextBatchLimit?: () => number;
}

export interface Processor {
  /** Processes one batch; returns how many events it took. */
  runOnce(): Promise<number>;
  /**
   * Processes batches until one reaches the end of the log as it found it (no empty batch after
   * the last full one); returns how many events they took. Callers on the same turn of the event
   * loop, and the live loop, share one catch-up instead of queueing batches of their own.
   */
  catchUp(): Promise<number>;
  /**
   * The checkpoint as this process last saw it committed (by its own batch, or read at the start of
   * one), without a query: a request waiting for its operation asks this first.
   */
  processedThrough(): number;
  /**
   * The answer to an operation (by its log event id) a batch of this process decided and committed,
   * handed over once; undefined when another process decided it or it was taken: read the stored one.
   */
  takeAnswer(eventId: string): OperationAnswer | undefined;
  runUntilIdle(onProgress?: (position: number) => void): Promise<number>;
  start(): void;
  /**
   * Tells the live loop the log has grown, through `position` when known: an append this process
   * made. A wake for events already processed (by a request's own catch-up) runs no batch.
   */
  wake(position?: number): void;
  stop(): Promise<void>;
  position(): Promise<number>;
  /** Clears every stage's derived state and the checkpoint (the log stays). */
  reset(): Promise<void>;
}

const checkpointName = 'main';
/** The processor writes only what the log derives again (see WriteLockOptions). */
const rebuildable = { rebuildable: true };

/**
 * Where a batch must end. An operation that rewrites history (an operator split, `endsBatch`)
 * ends the batch it is in, and an event that must read state exactly as the log before it left it
 * (a clock tick, `alone`; or one a stage claims, see `Stage.alone`) is a batch of its own. Stages
 * then meet them at batch boundaries, live and on replay alike, so what they derive cannot depend
 * on how the log happened to be cut.
 */
function cutBatch(events: LoggedEvent[], claimedAlone: (event: LoggedEvent) => boolean): LoggedEvent[] {
  const isOperation = (event: LoggedEvent, flag: 'endsBatch' | 'alone') =>
    event.type === 'hearth_operation' && event.payload[flag] === true;
  const alone = events.findIndex((event) => isOperation(event, 'alone') || claimedAlone(event));
  if (alone === 0) return events.slice(0, 1);
  const before = alone === -1 ? events : events.slice(0, alone);
  const barrier = before.findIndex((event) => isOperation(event, 'endsBatch'));
  return barrier === -1 ? before : before.slice(0, barrier + 1);
}

async function readCheckpoint(db: DbExecutor): Promise<number> {
  const row = await db
    .selectFrom('processor_checkpoints')
    .select('position')
    .where('name', '=', checkpointName)
    .executeTakeFirst();
  return row?.position ?? 0;
}

/**
 * The checkpoint inside the processor's transaction. On SQLite a cached statement on the
 * transaction's own connection: built by Kysely, the read and the save cost 50–100 µs each, a
 * tenth of a ledger batch's time outside its stages.
 */
async function readCheckpointIn(scope: WriteScope): Promise<number> {
  if (!scope.sqlite) return readCheckpoint(scope.transaction);
  const row = cachedStatement(scope.sqlite, 'select position from processor_checkpoints where name = ?').get(
    checkpointName,
  ) as { position: number } | undefined;
  return row?.position ?? 0;
}

async function saveCheckpoint(scope: WriteScope, position: number, now: number): Promise<void> {
  if (scope.sqlite) {
    cachedStatement(
      scope.sqlite,
      'insert into processor_checkpoints (name, position, updated_at) values (?, ?, ?)' +
        ' on conflict (name) do update set position = excluded.position, updated_at = excluded.updated_at',
    ).run(checkpointName, position, now);
    return;
  }
  await scope.transaction
    .insertInto('processor_checkpoints')
    .values({ name: checkpointName, position, updated_at: now })
    .onConflict((conflict) => conflict.column('name').doUpdateSet({ position, updated_at: now }))
    .execute();
}

/**
 * Reads the log in order and runs the stages. The checkpoint moves in the same transaction as the
 * state the stages wrote, and the write lock makes concurrent processors (another process on the
 * same database) take turns, so a crash or a race never applies an event twice.
 */
export function createProcessor(options: ProcessorOptions): Processor {
  const batchSize = options.batchSize ?? 2_000;
  const catchUpBatchSize = options.catchUpBatchSize ?? options.batchSize ?? 5_000;
  const catchUpTransactionEvents = Math.max(catchUpBatchSize, options.catchUpTransactionEvents ?? 20_000);
  const pollMilliseconds = options.pollMilliseconds ?? 250;
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  /** A wake that came while the loop was busy, so the loop does not sleep through it. */
  let wokenMeanwhile = false;
  /** The end of the log as this process's appends made it known. */
  let knownEnd = 0;
  /** A wake without a position (someone else appended): the loop looks whatever it has seen. */
  let mustLook = false;
  let seenPosition = 0;
  let catchingUp: Promise<number> | undefined;
  const answers = createOperationAnswers();
  const claimingStages = options.stages.filter((stage) => stage.alone !== undefined);
  const claimedAlone = (event: LoggedEvent) => claimingStages.some((stage) => stage.alone?.(event) === true);

  /** Runs the stages over the next events, in the transaction that moves the checkpoint past them. */
  async function processBatch(transaction: DbTransaction, batchLimit: number) {
    const limit = options.nextBatchLimit?.() ?? batchLimit;
    const scope = { transaction, sqlite: options.database.sqlite };
    const position = await readCheckpointIn(scope);
    seenPosition = position;
    const read = await options.readEventsAfter(transaction, position, limit);
    const events = cutBatch(read, claimedAlone);
    const reachedEnd = read.length < limit && events.length === read.length;
    if (events.length === 0) return { processed: 0, reachedEnd, last: position, answers: new Map() };
    const batch: ProcessingBatch = {
      transaction,
      dialect: options.database.dialect,
      sqlite: options.database.sqlite,
      after: position,
      events,
      merges: [],
      attributedBefore: new Map(),
      rebuiltMembers: new Set(),
      memberSnapshots: new Map(),
      changedMembers: new Set(),
      derivedEvents: [],
      answers: new Map(),
      now: options.clock.now(),
    };
    for (const stage of options.stages) await stage.apply(batch);
    const last = events[events.length - 1] as LoggedEvent;
    await saveCheckpoint(scope, last.seq, batch.now);
    return { processed: events.length, reachedEnd, last: last.seq, answers: batch.answers };
  }

  /**
   * One batch of at most `limit` events in a transaction of its own, or, given `transactionEvents`,
   * batches in one transaction until it holds that many or a batch reaches the end of the log
   * (`reachedEnd`: it took every event the log then held).
   */
  async function runTransaction(
    limit: number,
    transactionEvents?: number,
  ): Promise<{ processed: number; reachedEnd: boolean }> {
    const processBatches = async (transaction: DbTransaction) => {
      const outcome = { processed: 0, reachedEnd: false, last: 0, answers: new Map<string, OperationAnswer>() };
      do {
        const batch = await processBatch(transaction, limit);
        outcome.processed += batch.processed;
        outcome.reachedEnd = batch.reachedEnd;
        outcome.last = batch.last;
        for (const [eventId, answer] of batch.answers) outcome.answers.set(eventId, answer);
      } while (transactionEvents !== undefined && outcome.processed < transactionEvents && !outcome.reachedEnd);
      return outcome;
    };
    const outcome = await withWriteLock(options.database, 'processor', processBatches, rebuildable);
    // Only now are the batches committed.
    answers.remember(outcome.answers);
    seenPosition = outcome.last;
    return outcome;
  }

  const runOnce = async () => (await runTransaction(batchSize)).processed;

  async function runBatches(
    limit: number,
    onProgress?: (position: number) => void,
    transactionEvents?: number,
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const { processed, reachedEnd } = await runTransaction(limit, transactionEvents);
      total += processed;
      if (processed > 0 && onProgress) onProgress(seenPosition);
      if (reachedEnd || processed === 0) return total;
      await nextTurn();
    }
  }

  function catchUp(): Promise<number> {
    catchingUp ??= (async () => {
      try {
        // Requests whose operations were committed on this turn join this catch-up.
        await nextTurn();
        return await runBatches(batchSize);
      } finally {
        catchingUp = undefined;
      }
    })();
    return catchingUp;
  }

  /** Resolves when woken (true) or after `milliseconds` (false). */
  function sleep(milliseconds: number): Promise<boolean> {
    if (wokenMeanwhile) {
      wokenMeanwhile = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve(woken);
      };
      const timer = setTimeout(() => finish(false), milliseconds);
      wakeUp = () => finish(true);
    });
  }

  function wake(position?: number): void {
    if (position === undefined) mustLook = true;
    else knownEnd = Math.max(knownEnd, position);
    if (wakeUp) wakeUp();
    else wokenMeanwhile = true;
  }

  async function runLoop(): Promise<void> {
    while (running) {
      try {
        await catchUp();
      } catch (error) {
        // The batch rolled back; the same events are tried again after a pause.
        options.logger.error({ err: error }, 'processing batch failed');
        await sleep(1_000);
        continue;
      }
      // The poll finds what other processes appended; a wake for what is already processed is skipped.
      while (running && (await sleep(pollMilliseconds)) && !mustLook && knownEnd <= seenPosition);
      mustLook = false;
    }
  }

  async function position(): Promise<number> {
    return readCheckpoint(options.database.db);
  }

  async function reset(): Promise<void> {
    const clear = async (transaction: DbTransaction) => {
      for (const stage of [...options.stages].reverse()) await stage.reset(transaction);
      await saveCheckpoint({ transaction, sqlite: options.database.sqlite }, 0, options.clock.now());
    };
    await withWriteLock(options.database, 'processor', clear, rebuildable);
    seenPosition = 0;
  }

  return {
    runOnce,
    catchUp,
    processedThrough: () => seenPosition,
    takeAnswer: (eventId) => answers.take(eventId),
    runUntilIdle: (onProgress) => runBatches(catchUpBatchSize, onProgress, catchUpTransactionEvents),
    start: () => {
      if (running) return;
      running = true;
      loop = runLoop();
    },
    wake,
    stop: async () => {
      running = false;
      wakeUp?.();
      await loop;
    },
    position,
    reset,
  };
}
