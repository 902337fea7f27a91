import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('takes HEARTH_INGEST_THREADS, 0 meaning the main thread prepares', () => {
    expect(loadConfig({ HEARTH_INGEST_THREADS: '0' }).ingestThreads).toBe(0);
    expect(loadConfig({ HEARTH_INGEST_THREADS: '3' }).ingestThreads).toBe(3);
  });

  it('defaults to one preparation thread fewer than the cores, from 1 to 4', () => {
    expect(loadConfig({}).ingestThreads).toBe(Math.min(4, Math.max(1, availableParallelism() - 1)));
  });

  it('refuses a thread count that is not a whole number from 0 to 64, naming the variable', () => {
    for (const value of ['-1', '1.5', 'many', '65']) {
      expect(() => loadConfig({ HEARTH_INGEST_THREADS: value })).toThrow(
        /^invalid environment: HEARTH_INGEST_THREADS: /,
      );
    }
  });
});
