import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { messageOf } from '../../platform/errors.ts';
import { openSqliteConnection } from '../../platform/db/sqlite-connection.ts';
import { createWalFlusher, type FlushOutcome } from '../../platform/db/wal-flusher.ts';
import { insertRowsOnSqlite, type InsertValues, type StoredPositions } from './event-log.repo.ts';
import { flattenRows, type PackedRows } from './log-thread-payloads.ts';

/**
 * The event log's writer thread: it owns a connection of its own to the database file (WAL lets
 * it write while the main thread reads) and commits each group it is sent in one transaction, so
 * inserting and fsyncing no longer hold up HTTP on the main thread.
 */
export interface LogThreadData {
  hearthLogWriter: true;
  location: string;
  /** Set when a checkpointer thread copies the WAL back (see WalCheckpointer): the backstop threshold. */
  autoCheckpointPages?: number;
}

export type LogThreadRequest = { kind: 'commit'; id: number; parts: PackedRows[] } | { kind: 'close' };

/**
 * A commit is answered twice: `committed` once its rows are in the file and the write lock is free
 * (the main thread's writers may go on), then `durable` once an fsync covered it (its callers may
 * hear 200). `durable` and `not-durable` speak for every commit up to `through`.
 */
export type LogThreadReply =
  | { kind: 'committed'; id: number; stored: StoredPositions }
  | { kind: 'failed'; id: number; message: string; code: string | undefined }
  | { kind: 'durable'; through: number }
  | { kind: 'not-durable'; through: number; message: string; code: string | undefined };

export function isLogThreadData(value: unknown): value is LogThreadData {
  return typeof value === 'object' && value !== null && (value as Partial<LogThreadData>).hearthLogWriter === true;
}

function errorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
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

function serve(port: MessagePort, location: string, autoCheckpointPages: number | undefined): void {
  const connection = openSqliteConnection(location, { autoCheckpointPages });
  // The WAL is fsynced by the flusher after the lock is let go (see WalFlusher), not inside COMMIT.
  connection.pragma('synchronous = NORMAL');
  const flusher = createWalFlusher(`${location}-wal`, (outcome) => port.postMessage(toFlushReply(outcome)));
  // IMMEDIATE takes the write lock up front, as the main thread's writers do; a deferred
  // transaction could fail with SQLITE_BUSY when it upgrades from reading to writing.
  const commit = connection.transaction((rows: InsertValues[]) => insertRowsOnSqlite(connection, rows));
  port.on('message', (request: LogThreadRequest) => {
    if (request.kind === 'close') {
      void flusher.close().then(() => {
        connection.close();
        port.close();
      });
      return;
    }
    try {
      const stored = commit.immediate(flattenRows(request.parts));
      port.postMessage({ kind: 'committed', id: request.id, stored } satisfies LogThreadReply);
      flusher.flushThrough(request.id);
    } catch (error) {
      port.postMessage({ kind: 'failed', id: request.id, message: messageOf(error), code: errorCode(error) });
    }
  });
}

if (parentPort && isLogThreadData(workerData)) serve(parentPort, workerData.location, workerData.autoCheckpointPages);
