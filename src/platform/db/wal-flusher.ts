import { closeSync, fsync, openSync } from 'node:fs';

/**
 * Makes a SQLite connection's commits durable after they are committed, not while they are: the
 * connection commits with `synchronous = NORMAL` (frames written to the WAL, the write lock
 * released at once), then this fsyncs the WAL file, off the thread, and says through which
 * commit everything is on disk. That is FULL's guarantee (FULL is NORMAL plus an fsync of the
 * WAL at each commit), but the other writers of the file no longer wait for the disk while the
 * lock is held. WAL frames carry a running checksum, so recovery keeps a prefix of the log: a
 * commit reported durable is never lost, and nothing after a lost frame survives either.
 *
 * Commits that arrive while an fsync runs share the next one (group fsync).
 */
export interface WalFlusher {
  /** Commit `id` (ids rise) is written; report it once it is on disk. */
  flushThrough(id: number): void;
  /** Waits for the fsync under way, then lets go of the file. */
  close(): Promise<void>;
}

export interface FlushOutcome {
  /** Every commit up to and including this id is covered. */
  through: number;
  /** The fsync failed: those commits may not be on disk. */
  error?: Error;
}

export function createWalFlusher(walPath: string, report: (outcome: FlushOutcome) => void): WalFlusher {
  let descriptor: number | undefined;
  let requested = 0;
  let flushing: Promise<void> | undefined;

  /**
   * Opened once: SQLite keeps the WAL file (truncated at times, never replaced) while any
   * connection to the database is open, and the connection this flusher serves is.
   */
  function walDescriptor(): number {
    descriptor ??= openSync(walPath, 'r+');
    return descriptor;
  }

  function flushOnce(through: number): Promise<void> {
    return new Promise((resolve) => {
      let file: number;
      try {
        file = walDescriptor();
      } catch (error) {
        report({ through, error: error instanceof Error ? error : new Error(String(error)) });
        resolve();
        return;
      }
      fsync(file, (error) => {
        report(error ? { through, error } : { through });
        resolve();
      });
    });
  }

  async function flushWhileRequested(): Promise<void> {
    let done = 0;
    while (requested > done) {
      const through = requested;
      await flushOnce(through);
      done = through;
    }
    flushing = undefined;
  }

  return {
    flushThrough(id) {
      requested = Math.max(requested, id);
      flushing ??= flushWhileRequested();
    },
    async close() {
      await flushing;
      if (descriptor !== undefined) closeSync(descriptor);
      descriptor = undefined;
    },
  };
}
