import type { Database } from '../../platform/db/database.ts';
import { nextTurn } from '../../platform/event-loop.ts';
import { withWriteLock } from '../../platform/db/database.ts';
import { HearthError } from '../../platform/errors.ts';
import type { NewEvent } from './ingest.schema.ts';
import { insertRows, toInsertValues, type StoredPositions } from './event-log.repo.ts';
import { countRows, flattenRows, type AppendRows } from './log-thread-payloads.ts';

export interface AppendResult {
  accepted: number;
  duplicates: number;
  /** Per appended event, in order: its position in the log, or null for a duplicate (not stored again). */
  positions: StoredPositions;
}

export interface EventLogWriter {
  /** Resolves once the events are committed (durable), never before. */
  append(events: NewEvent[]): Promise<AppendResult>;
  /** The same for rows already made (`toInsertValues`), or packed by a preparation thread. */
  appendRows(rows: AppendRows): Promise<AppendResult>;
  pendingEvents(): number;
  drain(): Promise<void>;
  /** Drains, then releases what the writer holds (its thread, if it has one). */
  close(): Promise<void>;
}

interface PendingAppend {
  rows: AppendRows;
  count: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

export interface EventLogWriterOptions {
  /** Above this many events waiting for a commit, new appends are refused with 429. */
  maxPendingEvents?: number;
  /** Upper bound of one group commit. */
  maxEventsPerCommit?: number;
  /** After each commit, with the highest position it stored (null when every event was a duplicate). */
  onAppended?: (lastPosition: number | null) => void;
}

/**
 * A group's commit: per event and in order, where it was stored (null when its (workspace,
 * messageId) was already in the log or earlier in the group), and when it is on disk. A writer
 * whose commit includes the fsync gives an already resolved `durable`.
 */
export interface CommittedGroup {
  stored: StoredPositions;
  durable: Promise<void>;
}

/** Stores a group of appends' rows, in order, in one transaction; resolves once committed (readable by the processor). */
export type CommitRows = (group: AppendRows[]) => Promise<CommittedGroup>;

function highestPosition(positions: StoredPositions): number | null {
  let highest: number | null = null;
  for (const position of positions)
    if (position !== null && (highest === null || position > highest)) highest = position;
  return highest;
}

/**
 * Group commit: appends that arrive while a commit is running wait for the next one, so many
 * requests share one fsync. Each caller still hears back only after its own events are durable.
 * Where the commit runs (this thread or another) is the `commit` function's business. The next
 * group may commit while the last one's fsync is under way, and the processor is woken at the
 * commit: what it derives from events not yet on disk is rolled back with them by a power cut
 * (WAL recovery keeps a prefix), and derived from them again only if they were acknowledged.
 */
export function createGroupCommitWriter(
  commit: CommitRows,
  options: EventLogWriterOptions & { release?: () => Promise<void> } = {},
): EventLogWriter {
  const maxPending = options.maxPendingEvents ?? 100_000;
  const maxPerCommit = options.maxEventsPerCommit ?? 10_000;
  const queue: PendingAppend[] = [];
  let queuedEvents = 0;
  let flushing: Promise<void> | undefined;
  /** Groups committed and waiting for their fsync; `drain` waits for them too. */
  const awaitingDisk = new Set<Promise<void>>();

  function takeNextGroup(): PendingAppend[] {
    const group: PendingAppend[] = [];
    let size = 0;
    while (queue.length > 0 && (group.length === 0 || size + (queue[0]?.count ?? 0) <= maxPerCommit)) {
      const next = queue.shift() as PendingAppend;
      group.push(next);
      size += next.count;
    }
    queuedEvents -= size;
    return group;
  }

  function answerGroup(group: PendingAppend[], stored: StoredPositions): void {
    let offset = 0;
    for (const pending of group) {
      const positions = stored.slice(offset, offset + pending.count);
      offset += pending.count;
      const accepted = positions.reduce<number>((count, position) => (position === null ? count : count + 1), 0);
      pending.resolve({ accepted, duplicates: pending.count - accepted, positions });
    }
  }

  async function commitGroup(group: PendingAppend[]): Promise<void> {
    let committed: CommittedGroup;
    try {
      committed = await commit(group.map((pending) => pending.rows));
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    options.onAppended?.(highestPosition(committed.stored));
    const answered = committed.durable.then(
      () => answerGroup(group, committed.stored),
      (error: unknown) => {
        for (const pending of group) pending.reject(error);
      },
    );
    awaitingDisk.add(answered);
    void answered.finally(() => awaitingDisk.delete(answered));
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) await commitGroup(takeNextGroup());
    flushing = undefined;
  }

  function appendRows(rows: AppendRows): Promise<AppendResult> {
    const count = countRows(rows);
    if (count === 0) return Promise.resolve({ accepted: 0, duplicates: 0, positions: [] });
    // An empty queue takes any append, so one larger than the limit is not refused forever.
    if (queuedEvents > 0 && queuedEvents + count > maxPending) {
      return Promise.reject(
        new HearthError('overloaded', 'too many events are waiting to be written; retry shortly', {
          retryAfterSeconds: 1,
        }),
      );
    }
    const result = new Promise<AppendResult>((resolve, reject) => queue.push({ rows, count, resolve, reject }));
    queuedEvents += count;
    // Waiting one turn lets every request already read join this commit; idle, it costs microseconds.
    flushing ??= nextTurn().then(flush);
    return result;
  }

  async function drain(): Promise<void> {
    while (flushing || awaitingDisk.size > 0) {
      await flushing;
      await Promise.all(awaitingDisk);
    }
  }

  return {
    append: (events) => appendRows(events.map(toInsertValues)),
    appendRows,
    pendingEvents: () => queuedEvents,
    drain,
    close: async () => {
      await drain();
      await options.release?.();
    },
  };
}

/** The writer that commits on the caller's own connection: PostgreSQL, and SQLite in memory. */
export function createEventLogWriter(database: Database, options: EventLogWriterOptions = {}): EventLogWriter {
  return createGroupCommitWriter(async (group) => {
    const rows = flattenRows(group);
    const stored = await withWriteLock(database, 'event-log', (transaction) => insertRows(database, transaction, rows));
    return { stored, durable: Promise.resolve() };
  }, options);
}
