import { Worker } from 'node:worker_threads';
import type { WriteGate } from '../../platform/db/write-gate.ts';
import { HearthError } from '../../platform/errors.ts';
import type { StoredPositions } from './event-log.repo.ts';
import type { NewEvent } from './ingest.schema.ts';
import type { LogThreadData, LogThreadReply, LogThreadRequest } from './event-log-thread.ts';
import { packRows } from './log-thread-payloads.ts';
import { createGroupCommitWriter, type EventLogWriter, type EventLogWriterOptions } from './event-log-writer.ts';

/** A commit the writer thread refused; `code` is SQLite's (SQLITE_BUSY…), so the HTTP edge can tell a transient fault. */
export class EventLogWriteError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'EventLogWriteError';
    this.code = code;
  }
}

interface InFlight {
  resolve: (stored: StoredPositions) => void;
  reject: (error: unknown) => void;
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
  options: EventLogWriterOptions & { gate?: WriteGate } = {},
): EventLogWriter {
  const data: LogThreadData = { hearthLogWriter: true, location };
  const worker = new Worker(new URL('./event-log-thread-entry.js', import.meta.url), { workerData: data });
  const inFlight = new Map<number, InFlight>();
  let nextId = 0;
  let stopped: Error | undefined;
  // Only a commit under way keeps the process alive; an idle writer does not.
  worker.unref();

  function failAll(error: Error): void {
    stopped ??= error;
    for (const pending of inFlight.values()) pending.reject(error);
    inFlight.clear();
  }

  worker.on('message', (reply: LogThreadReply) => {
    const pending = inFlight.get(reply.id);
    if (!pending) return;
    inFlight.delete(reply.id);
    if (inFlight.size === 0) worker.unref();
    if (reply.kind === 'committed') pending.resolve(reply.stored);
    else pending.reject(new EventLogWriteError(reply.message, reply.code));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the event log's writer thread exited (code ${code})`)));

  const unavailable = (reason: Error) =>
    new HearthError('unavailable', `the event log cannot be written: ${reason.message}`, { retryAfterSeconds: 1 });

  function commit(events: NewEvent[]): Promise<StoredPositions> {
    if (stopped) return Promise.reject(unavailable(stopped));
    const id = (nextId += 1);
    const request: LogThreadRequest = { kind: 'commit', id, ...packRows(events) };
    const send = () =>
      new Promise<StoredPositions>((resolve, reject) => {
        // The thread may have stopped while this commit waited for its turn.
        if (stopped) {
          reject(unavailable(stopped));
          return;
        }
        inFlight.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage(request, [request.payloads]);
      });
    // The thread's commit takes its turn with this process's other writers (the processor).
    return options.gate ? options.gate.run(send) : send();
  }

  async function release(): Promise<void> {
    if (stopped) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const request: LogThreadRequest = { kind: 'close' };
    worker.ref();
    worker.postMessage(request);
    await exited;
  }

  return createGroupCommitWriter(commit, {
    maxEventsPerCommit: defaultEventsPerCommit,
    ...options,
    release,
  });
}
