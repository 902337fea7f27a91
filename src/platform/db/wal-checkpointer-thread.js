// The WAL checkpointer's thread (see wal-checkpointer.ts). Plain JavaScript on purpose: it needs
// nothing but better-sqlite3, and without TypeScript's loader it starts in milliseconds, which
// matters because every process that opens a SQLite runtime (and every test) starts one.
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

const { location, intervalMilliseconds } = workerData;
const connection = new BetterSqlite3(location);
// PASSIVE copies what it can and never waits: writers go on appending while it runs, and a
// checkpoint that finds another one under way is simply tried again at the next interval.
const checkpoint = connection.prepare('pragma wal_checkpoint(PASSIVE)');

/** The last failure reported: a fault that persists is reported once, not twice a second. */
let reported;

function checkpointNow() {
  try {
    checkpoint.run();
    reported = undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== reported) parentPort?.postMessage({ kind: 'failed', message });
    reported = message;
  }
}

const timer = setInterval(checkpointNow, intervalMilliseconds);

parentPort?.on('message', (message) => {
  if (message?.kind !== 'close') return;
  clearInterval(timer);
  connection.close();
  parentPort?.close();
});
