/**
 * Turns at writing one SQLite file, taken in order by this process's writers (the event log's
 * writer thread and the processor). SQLite allows one writer at a time; a writer that finds the
 * file locked waits in SQLite's busy handler, which sleeps a millisecond or more and, on the
 * main thread, blocks the event loop meanwhile. Waiting here instead costs nothing while it
 * waits. Other processes still meet SQLite's own lock.
 */
export interface WriteGate {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createWriteGate(): WriteGate {
  let last: Promise<unknown> = Promise.resolve();
  return {
    run(work) {
      const turn = last.then(work);
      // The next writer goes after this one, whether this one succeeded or failed.
      last = turn.then(
        () => undefined,
        () => undefined,
      );
      return turn;
    },
  };
}
