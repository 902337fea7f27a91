import type { Processor } from './processor.ts';

/**
 * Returns once the log has been processed through `seq`. Running a batch here is safe next to a
 * background loop or another process: batches take the processor's lock and its checkpoint.
 */
export async function processThrough(processor: Processor, seq: number): Promise<void> {
  while ((await processor.position()) < seq) {
    if ((await processor.runOnce()) === 0 && (await processor.position()) < seq) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
