import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { messageOf } from '../../platform/errors.ts';
import { openSqliteConnection } from '../../platform/db/sqlite-connection.ts';
import { packLogRows, transferablesOfLogRows, type PackedLogRows } from './log-read-packing.ts';
import { prepareLogRead } from './sqlite-log-reader.ts';

/**
 * The processor's reader thread: on a connection of its own (WAL lets it read while the main
 * thread writes) it reads the log's next rows while the main thread processes the batch before
 * them. It reads only what the log writer committed, and the rows after a position never change
 * once committed (seq only grows), so a batch read ahead is the batch the main thread would read.
 */
export interface LogReaderThreadData {
  hearthLogReader: true;
  location: string;
}

export type LogReaderRequest = { kind: 'read'; id: number; after: number; limit: number } | { kind: 'close' };

export type LogReaderReply =
  | { kind: 'read'; id: number; packed: PackedLogRows }
  | { kind: 'failed'; id: number; message: string }
  /** The thread could not open the log; it has stopped. */
  | { kind: 'unavailable'; message: string };

export function isLogReaderThreadData(value: unknown): value is LogReaderThreadData {
  return (
    typeof value === 'object' && value !== null && (value as Partial<LogReaderThreadData>).hearthLogReader === true
  );
}

function serve(port: MessagePort, location: string): void {
  let connection: ReturnType<typeof openSqliteConnection>;
  let readRows: ReturnType<typeof prepareLogRead>;
  try {
    connection = openSqliteConnection(location);
    readRows = prepareLogRead(connection);
  } catch (error) {
    // Said in a message: an error thrown out of a thread reaches the main thread without its text.
    port.postMessage({ kind: 'unavailable', message: messageOf(error) } satisfies LogReaderReply);
    port.close();
    return;
  }
  port.on('message', (request: LogReaderRequest) => {
    if (request.kind === 'close') {
      connection.close();
      port.close();
      return;
    }
    try {
      const packed = packLogRows(readRows(request.after, request.limit));
      port.postMessage(
        { kind: 'read', id: request.id, packed } satisfies LogReaderReply,
        transferablesOfLogRows(packed),
      );
    } catch (error) {
      port.postMessage({ kind: 'failed', id: request.id, message: messageOf(error) } satisfies LogReaderReply);
    }
  });
}

if (parentPort && isLogReaderThreadData(workerData)) serve(parentPort, workerData.location);
