import { Worker } from 'node:worker_threads';
import type { WriteGate } from '../../platform/db/write-gate.ts';
import { HearthError } from '../../platform/errors.ts';
import type { LogThreadData, LogThreadReply, LogThreadRequest } from './event-log-thread.ts';
import { isPacked, packRows, transferablesOf, type AppendRows } from './log-thread-payloads.ts';
import {
  createGroupCommitWriter,
  type CommittedGroup,
  type EventLogWriter,
  type EventLogWriterOptions,
} from './event-log-writer.ts';

/** A commit the writer thread refused; `code` is SQLite's (SQLITE_BUSY…), so the HTTP edge can tell a transient fault. */
export class EventLogWriteError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'EventLogWriteError';
    this.code = code;
  }
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** Commits waiting for the fsync that covers them, in id order. */
function createDurabilityWaits() {
  const waiting: Array<{ id: number } & Pending<void>> = [];
  return {
    add: (id: number) => new Promise<void>((resolve, reject) => waiting.push({ id, resolve, reject })),
    size: () => waiting.length,
    /** Settles every commit up to `through`: resolved, or rejected with `error`. */
    settle(through: number, error?: Error) {
      while (waiting.length > 0 && (waiting[0]?.id ?? Infinity) <= through) {
        const next = waiting.shift();
        if (error) next?.reject(error);
        else next?.resolve();
      }
    },
  };
}

/**
 * A group holds at most this many events. The main thread's own writers (the processor, operations)
 * wait in SQLite's busy handler, blocking the event loop, while the thread commits: a bounded group
 * keeps that wait short.
 */
const defaultEventsPerCommit = 4_000;

/**
 * The event log's writer for a SQLite file: the same group commit as in-thread, with each group's
 * rows sent to a worker thread that inserts and commits them on a connection of its own.
 */
export function createThreadedEventLogWriter(
  location: string,
  options: EventLogWriterOptions & { gate?: WriteGate; autoCheckpointPages?: number } = {},
): EventLogWriter {
  const data: LogThreadData = { hearthLogWriter: true, location, autoCheckpointPages: options.autoCheckpointPages };
  const worker = new Worker(new URL('./event-log-thread-entry.js', import.meta.url), { workerData: data });
  const inFlight = new Map<number, Pending<CommittedGroup>>();
  const durability = createDurabilityWaits();
  const post = (request: LogThreadRequest, transfer: ArrayBuffer[] = []) => {
    worker.ref();
    worker.postMessage(request, transfer);
  };
  let nextId = 0;
  let stopped: Error | undefined;
  // Only a commit under way keeps the process alive; an idle writer does not.
  worker.unref();

  function failAll(error: Error): void {
    stopped ??= error;
    for (const pending of inFlight.values()) pending.reject(error);
    inFlight.clear();
    durability.settle(Infinity, error);
  }

  function settleCommit(reply: Extract<LogThreadReply, { kind: 'committed' | 'failed' }>): void {
    const pending = inFlight.get(reply.id);
    if (!pending) return;
    inFlight.delete(reply.id);
    if (reply.kind === 'committed') pending.resolve({ stored: reply.stored, durable: durability.add(reply.id) });
    else pending.reject(new EventLogWriteError(reply.message, reply.code));
  }

  worker.on('message', (reply: LogThreadReply) => {
    if (reply.kind === 'durable') durability.settle(reply.through);
    else if (reply.kind === 'not-durable')
      durability.settle(reply.through, new EventLogWriteError(`fsync of the log failed: ${reply.message}`, reply.code));
    else settleCommit(reply);
    if (inFlight.size === 0 && durability.size() === 0) worker.unref();
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the event log's writer thread exited (code ${code})`)));

  const unavailable = (reason: Error) =>
    new HearthError('unavailable', `the event log cannot be written: ${reason.message}`, { retryAfterSeconds: 1 });

  /** Resolves when the thread has committed (the write lock is free again); `durable` when on disk. */
  function commit(group: AppendRows[]): Promise<CommittedGroup> {
    if (stopped) return Promise.reject(unavailable(stopped));
    const id = (nextId += 1);
    // Appends a preparation thread packed go on as they came; the others are packed here.
    const parts = group.map((rows) => (isPacked(rows) ? rows : packRows(rows)));
    const request: LogThreadRequest = { kind: 'commit', id, parts };
    const send = () =>
      new Promise<CommittedGroup>((resolve, reject) => {
        // The thread may have stopped while this commit waited for its turn.
        if (stopped) {
          reject(unavailable(stopped));
          return;
        }
        inFlight.set(id, { resolve, reject });
        post(request, transferablesOf(parts));
      });
    // The thread's commit takes its turn with this process's other writers (the processor); the
    // turn ends at the commit, so they do not wait for the fsync.
    return options.gate ? options.gate.run(send) : send();
  }

  async function release(): Promise<void> {
    if (stopped) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    post({ kind: 'close' });
    await exited;
  }

  return createGroupCommitWriter(commit, {
    maxEventsPerCommit: defaultEventsPerCommit,
    ...options,
    release,
  });
}
