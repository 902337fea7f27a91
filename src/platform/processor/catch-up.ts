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
        let processed = 0;
        for (let batch = await processor.runOnce(); batch > 0; batch = await processor.runOnce()) processed += batch;
        return processed;
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
  while ((await processor.position()) < seq) {
    const processed = await catchUp(processor);
    // Another process holds the batch that includes `seq`: give it a moment to commit.
    if (processed === 0 && (await processor.position()) < seq) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
