import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import type { SqliteConnection } from './database.ts';

/**
 * Copies a SQLite file's write-ahead log back into the database from a thread of its own.
 *
 * SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on whichever
 * connection made it: the log's writer thread or the processor, so every append or every request
 * of the server waited behind it. Under the ledger bench (about 200 small commits a second) it
 * fell every second or so and took 12–13 ms, and each time the 30 requests in flight took 25–30 ms
 * instead of 5: the clusters of slow requests that set p99 were exactly these checkpoints (and
 * the longest young-generation collections). A PASSIVE checkpoint in a thread of its own takes no
 * write lock, so commits go on while it copies, and it uses the core the main thread is not on.
 *
 * The connections of a process that runs one keep SQLite's automatic checkpoint only as a
 * backstop (`backstopCheckpointPages`), in case this thread stops or falls behind.
 */
export interface WalCheckpointer {
  close(): Promise<void>;
}

/** Pages of WAL after which a connection checkpoints itself anyway (400 MB of 8 KB pages). */
export const backstopCheckpointPages = 50_000;

/**
 * Twice a second: the WAL then holds about what the 10,000-page threshold let it hold under the
 * ledger's load, so hot pages are still copied once for many commits rather than once for each.
 */
const defaultIntervalMilliseconds = 500;

export function startWalCheckpointer(
  location: string,
  logger: Logger,
  intervalMilliseconds = defaultIntervalMilliseconds,
): WalCheckpointer {
  const worker = new Worker(new URL('./wal-checkpointer-thread.js', import.meta.url), {
    workerData: { location, intervalMilliseconds },
  });
  // A checkpointer never keeps the process alive by itself.
  worker.unref();
  worker.on('message', (message: { kind?: string; message?: string }) => {
    if (message.kind === 'failed') logger.warn({ reason: message.message }, 'WAL checkpoint failed; retried shortly');
  });
  worker.on('error', (error) =>
    logger.error({ err: error }, 'WAL checkpointer stopped; connections checkpoint themselves'),
  );
  const exited = once(worker, 'exit');
  let running = true;
  void exited.then(() => (running = false));
  return {
    async close() {
      if (running) {
        // Held until it has exited: an unreferenced worker would let the process end while waiting.
        worker.ref();
        worker.postMessage({ kind: 'close' });
      }
      await exited;
    },
  };
}

/**
 * Hands the checkpoints of a SQLite file to a thread: `connection` (and every other connection
 * the caller opens to the file, with `backstopCheckpointPages`) then checkpoints only as a backstop.
 */
export function checkpointInBackground(
  connection: SqliteConnection,
  location: string,
  logger: Logger,
): WalCheckpointer {
  connection.pragma(`wal_autocheckpoint = ${backstopCheckpointPages}`);
  return startWalCheckpointer(location, logger);
}
