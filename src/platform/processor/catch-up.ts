import { nextTurn } from '../event-loop.ts';
import type { Processor } from './processor.ts';

/** One catch-up at a time per processor: concurrent callers share it instead of queueing their own. */
const catchingUp = new WeakMap<Processor, Promise<number>>();

function catchUp(processor: Processor): Promise<number> {
  let running = catchingUp.get(processor);
  if (!running) {
    running = (async () => {
      try {
        // Operations that arrive on this turn of the event loop join this catch-up.
        await nextTurn();
        return await processor.catchUp();
      } finally {
        catchingUp.delete(processor);
      }
    })();
    catchingUp.set(processor, running);
  }
  return running;
}

/**
 * Returns once the log has been processed through `seq`. Running batches here is safe next to a
 * background loop or another process: batches take the processor's lock and its checkpoint.
 * Requests waiting at the same time share one catch-up, so a burst of operations is decided in
 * a few batches rather than each request running (mostly empty) batches of its own.
 */
export async function processThrough(processor: Processor, seq: number): Promise<void> {
  // The checkpoint as this process last saw it answers without a query; every batch refreshes it.
  while (processor.processedThrough() < seq) {
    const processed = await catchUp(processor);
    // Nothing to take and `seq` not yet seen (a commit not yet visible): give it a moment.
    if (processed === 0 && processor.processedThrough() < seq) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
