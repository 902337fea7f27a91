import type { Processor } from './processor.ts';

/**
 * Returns once the log has been processed through `seq`. Running batches here is safe next to a
 * background loop or another process: batches take the processor's lock and its checkpoint.
 * Requests waiting at the same time share one catch-up (the processor's), so a burst of
 * operations is decided in a few batches rather than each request running batches of its own.
 */
export async function processThrough(processor: Processor, seq: number): Promise<void> {
  // The checkpoint as this process last saw it answers without a query; every batch refreshes it.
  while (processor.processedThrough() < seq) {
    const processed = await processor.catchUp();
    // Nothing to take and `seq` not yet seen (a commit not yet visible): give it a moment.
    if (processed === 0 && processor.processedThrough() < seq) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
