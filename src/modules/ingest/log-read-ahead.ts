import { Worker } from 'node:worker_threads';
import type { DbExecutor, SqliteConnection } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/log.ts';
import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { unpackLogRows, type PackedLogRows } from './log-read-packing.ts';
import type { LogReaderReply, LogReaderRequest, LogReaderThreadData } from './log-reader-thread.ts';
import { createSqliteLogReader } from './sqlite-log-reader.ts';

export interface ReadAheadLogReader {
  /** The processor's `readEventsAfter`: the same events as a read on the processor's connection. */
  readEventsAfter(db: DbExecutor, position: number, limit: number): Promise<LoggedEvent[]>;
  /** Batches handed over from the thread's read-ahead, and batches read on the connection. */
  counts(): { ahead: number; here: number };
  close(): Promise<void>;
}

interface ReadAhead {
  after: number;
  limit: number;
  /** Undefined when the thread failed. Unpacked only when taken: one not taken costs no parsing. */
  packed: Promise<PackedLogRows | undefined>;
}

/**
 * The processor's read of a SQLite file's log, with the next batch read ahead on a thread of its
 * own while the stages process the one before it. Reading and decoding a batch's rows had been a
 * quarter of the main thread's time catching up with a backlog, and the other core sat idle.
 *
 * Only a backlog is read ahead: after a read that came back full (`limit` rows), the rows after
 * it are read on the thread; a live batch of a few events is read here, as before, with no round
 * trip. A read-ahead is used only when it starts where the processor's checkpoint now is, asked
 * for the same limit and came back full: then it holds exactly what a read here would (the rows
 * after a position are fixed once there are `limit` of them). Anything else (a batch cut short by
 * an operation, another process's batch, a short read, a fault) is read here instead.
 */
export function createReadAheadLogReader(
  connection: SqliteConnection,
  location: string,
  logger: Logger,
): ReadAheadLogReader {
  const readHere = createSqliteLogReader(connection);
  let worker: Worker | undefined;
  let exited: Promise<unknown> | undefined;
  let broken = false;
  let closing = false;
  let nextId = 1;
  const pending = new Map<number, (packed: PackedLogRows | undefined) => void>();
  let ahead: ReadAhead | undefined;
  const counts = { ahead: 0, here: 0 };

  function stop(reason: string): void {
    if (broken) return;
    broken = true;
    if (!closing) logger.warn({ reason }, 'log reader thread stopped; the processor reads the log itself');
    for (const settle of pending.values()) settle(undefined);
    pending.clear();
  }

  function startWorker(): Worker {
    const workerData: LogReaderThreadData = { hearthLogReader: true, location };
    const started = new Worker(new URL('./log-reader-thread-entry.js', import.meta.url), { workerData });
    // Only a read under way keeps the process alive.
    started.unref();
    started.on('message', (reply: LogReaderReply) => {
      if (reply.kind === 'unavailable') return stop(reply.message);
      const settle = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if (reply.kind === 'failed') logger.warn({ reason: reply.message }, 'reading the log ahead failed');
      settle?.(reply.kind === 'read' ? reply.packed : undefined);
    });
    started.on('error', (error) => stop(error instanceof Error && error.message ? error.message : String(error)));
    exited = new Promise((settle) => started.once('exit', settle)).then(() => stop('exited'));
    return started;
  }

  function readAhead(after: number, limit: number): void {
    if (broken) return;
    worker ??= startWorker();
    const id = nextId++;
    const packed = new Promise<PackedLogRows | undefined>((settle) => pending.set(id, settle));
    worker.ref();
    worker.postMessage({ kind: 'read', id, after, limit } satisfies LogReaderRequest);
    ahead = { after, limit, packed };
  }

  async function takeAhead(position: number, limit: number): Promise<LoggedEvent[] | undefined> {
    const taken = ahead;
    ahead = undefined;
    if (!taken || taken.after !== position || taken.limit !== limit) return undefined;
    const packed = await taken.packed;
    // A short read-ahead may have missed rows appended since.
    return packed && packed.count === limit ? unpackLogRows(packed) : undefined;
  }

  return {
    async readEventsAfter(db, position, limit) {
      let events = await takeAhead(position, limit);
      if (events) counts.ahead += 1;
      else {
        events = await readHere(db, position, limit);
        counts.here += 1;
      }
      const last = events[events.length - 1];
      if (last && events.length === limit) readAhead(last.seq, limit);
      return events;
    },
    counts: () => ({ ...counts }),
    async close() {
      closing = true;
      if (!worker || broken) return;
      worker.ref();
      worker.postMessage({ kind: 'close' } satisfies LogReaderRequest);
      await exited;
    },
  };
}
