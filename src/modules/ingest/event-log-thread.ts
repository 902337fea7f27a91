import type { MessagePort } from 'node:worker_threads';
import type { SqliteConnection } from '../../platform/db/database.ts';
import { openSqliteConnection } from '../../platform/db/sqlite-connection.ts';
import { createWalFlusher, type FlushOutcome } from '../../platform/db/wal-flusher.ts';
import type { WriteGate } from '../../platform/db/write-gate.ts';
import type { Processor } from '../../platform/processor/processor.ts';
import { insertRowsOnSqlite, type InsertValues, type StoredPositions } from './event-log.repo.ts';
import { unpackRows, type PackedRows } from './log-thread-payloads.ts';

/**
 * The event log's writer thread: it owns a connection of its own to the database file (WAL lets
 * it write while the main thread reads) and commits each group it is sent in one transaction, so
 * inserting and fsyncing no longer hold up HTTP on the main thread. With `processing`, the
 * processor runs here too, on the same connection, right after the commits it follows: the
 * main thread is left with HTTP, and the two never wait for each other's lock.
 */
export interface LogThreadData {
  hearthLogWriter: true;
  location: string;
  processing?: { batchSize?: number; logLevel: string };
}

/** What the main thread asks of the thread's processor; the answer is a count (or a position). */
export type ProcessAction = 'catch-up' | 'run-once' | 'run-until-idle' | 'reset' | 'start' | 'stop' | 'position';

export type LogThreadRequest =
  | ({ kind: 'commit'; id: number } & PackedRows)
  | { kind: 'process'; id: number; action: ProcessAction }
  | { kind: 'wake'; position: number | undefined }
  | { kind: 'close' };

/**
 * A commit is answered twice: `committed` once its rows are in the file and the write lock is free
 * (the main thread's writers may go on), then `durable` once an fsync covered it (its callers may
 * hear 200). `durable` and `not-durable` speak for every commit up to `through`. `processed` tells
 * after each batch the thread's processor committed how far it has come.
 */
export type LogThreadReply =
  | { kind: 'committed'; id: number; stored: StoredPositions }
  | { kind: 'failed'; id: number; message: string; code: string | undefined }
  | { kind: 'durable'; through: number }
  | { kind: 'not-durable'; through: number; message: string; code: string | undefined }
  | { kind: 'processed'; through: number }
  | { kind: 'process-done'; id: number; result: number; through: number }
  | { kind: 'process-failed'; id: number; message: string; code: string | undefined };

/** The thread's side of the file: its connection, and the processor sharing it, if any. */
export interface LogThreadHost {
  connection: SqliteConnection;
  /** Turns at the connection, shared with the processor's transactions. */
  gate?: WriteGate;
  processor?: Processor;
  close(): Promise<void>;
}

export function isLogThreadData(value: unknown): value is LogThreadData {
  return typeof value === 'object' && value !== null && (value as Partial<LogThreadData>).hearthLogWriter === true;
}

function errorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toFlushReply(outcome: FlushOutcome): LogThreadReply {
  if (!outcome.error) return { kind: 'durable', through: outcome.through };
  return {
    kind: 'not-durable',
    through: outcome.through,
    message: outcome.error.message,
    code: errorCode(outcome.error),
  };
}

function highest(stored: StoredPositions): number | undefined {
  let last: number | undefined;
  for (const position of stored) if (position !== null && (last === undefined || position > last)) last = position;
  return last;
}

const processActions: Record<ProcessAction, (processor: Processor) => Promise<number>> = {
  'catch-up': (processor) => processor.catchUp(),
  'run-once': (processor) => processor.runOnce(),
  'run-until-idle': (processor) => processor.runUntilIdle(),
  reset: async (processor) => {
    await processor.reset();
    return 0;
  },
  start: async (processor) => {
    processor.start();
    return 0;
  },
  stop: async (processor) => {
    await processor.stop();
    return 0;
  },
  position: (processor) => processor.position(),
};

/** The writer-only thread: a bare connection, nobody else writing on it. */
export function openWriterHost(location: string): LogThreadHost {
  const connection = openSqliteConnection(location);
  return {
    connection,
    close: async () => {
      connection.close();
    },
  };
}

export function serveLogThread(port: MessagePort, host: LogThreadHost, location: string): void {
  const { connection, gate, processor } = host;
  // The WAL is fsynced by the flusher after the lock is let go (see WalFlusher), not inside COMMIT.
  connection.pragma('synchronous = NORMAL');
  const flusher = createWalFlusher(`${location}-wal`, (outcome) => port.postMessage(toFlushReply(outcome)));
  // IMMEDIATE takes the write lock up front, as the main thread's writers do; a deferred
  // transaction could fail with SQLITE_BUSY when it upgrades from reading to writing.
  const insert = connection.transaction((rows: InsertValues[]) => insertRowsOnSqlite(connection, rows));
  const commitRows = (rows: InsertValues[]) => insert.immediate(rows);

  async function commit(request: Extract<LogThreadRequest, { kind: 'commit' }>): Promise<void> {
    try {
      const rows = unpackRows(request);
      const stored = gate ? await gate.run(async () => commitRows(rows)) : commitRows(rows);
      port.postMessage({ kind: 'committed', id: request.id, stored } satisfies LogThreadReply);
      flusher.flushThrough(request.id);
      const last = highest(stored);
      if (last !== undefined) processor?.wake(last);
    } catch (error) {
      port.postMessage({ kind: 'failed', id: request.id, message: messageOf(error), code: errorCode(error) });
    }
  }

  async function runProcessAction(request: Extract<LogThreadRequest, { kind: 'process' }>): Promise<void> {
    try {
      if (!processor) throw new Error('this log thread has no processor');
      const result = await processActions[request.action](processor);
      port.postMessage({ kind: 'process-done', id: request.id, result, through: processor.processedThrough() });
    } catch (error) {
      port.postMessage({ kind: 'process-failed', id: request.id, message: messageOf(error), code: errorCode(error) });
    }
  }

  async function close(): Promise<void> {
    await processor?.stop();
    await flusher.close();
    await host.close();
    port.close();
  }

  // Commits run in the order they came (the gate is first come, first served), so their ids rise.
  port.on('message', (request: LogThreadRequest) => {
    if (request.kind === 'commit') void commit(request);
    else if (request.kind === 'process') void runProcessAction(request);
    else if (request.kind === 'wake') processor?.wake(request.position);
    else void close();
  });
}
