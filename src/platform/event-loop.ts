/**
 * Resolves on the next turn of the event loop (after pending I/O callbacks). SQLite calls are
 * synchronous, so work chained on microtasks alone would starve HTTP and timers, and would run
 * each request's write by itself: requests already read on this turn could not join it.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
