import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openSqliteConnection } from '../../platform/db/sqlite-connection.ts';
import { insertRowsOnSqlite, type InsertValues, type StoredPositions } from './event-log.repo.ts';
import { unpackRows, type PackedRows } from './log-thread-payloads.ts';

/**
 * The event log's writer thread: it owns a connection of its own to the database file (WAL lets
 * it write while the main thread reads) and commits each group it is sent in one transaction, so
 * inserting and fsyncing no longer hold up HTTP on the main thread.
 */
export interface LogThreadData {
  hearthLogWriter: true;
  location: string;
}

export type LogThreadRequest = ({ kind: 'commit'; id: number } & PackedRows) | { kind: 'close' };

export type LogThreadReply =
  | { kind: 'committed'; id: number; stored: StoredPositions }
  | { kind: 'failed'; id: number; message: string; code: string | undefined };

export function isLogThreadData(value: unknown): value is LogThreadData {
  return typeof value === 'object' && value !== null && (value as Partial<LogThreadData>).hearthLogWriter === true;
}

function errorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function serve(port: MessagePort, location: string): void {
  const connection = openSqliteConnection(location);
  // IMMEDIATE takes the write lock up front, as the main thread's writers do; a deferred
  // transaction could fail with SQLITE_BUSY when it upgrades from reading to writing.
  const commit = connection.transaction((rows: InsertValues[]) => insertRowsOnSqlite(connection, rows));
  port.on('message', (request: LogThreadRequest) => {
    if (request.kind === 'close') {
      connection.close();
      port.close();
      return;
    }
    let reply: LogThreadReply;
    try {
      reply = { kind: 'committed', id: request.id, stored: commit.immediate(unpackRows(request)) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reply = { kind: 'failed', id: request.id, message, code: errorCode(error) };
    }
    port.postMessage(reply);
  });
}

if (parentPort && isLogThreadData(workerData)) serve(parentPort, workerData.location);
