import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWalFlusher, type FlushOutcome } from './wal-flusher.ts';

describe('WAL flusher', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  function walFile(): string {
    const directory = mkdtempSync(join(tmpdir(), 'hearth-wal-'));
    directories.push(directory);
    const path = join(directory, 'hearth.db-wal');
    writeFileSync(path, 'frames');
    return path;
  }

  it('covers commits that arrive during an fsync with the next one, never reporting a commit before it was asked', async () => {
    const outcomes: FlushOutcome[] = [];
    const flusher = createWalFlusher(walFile(), (outcome) => outcomes.push(outcome));
    flusher.flushThrough(1);
    flusher.flushThrough(2);
    flusher.flushThrough(3);
    await flusher.close();
    // The first fsync was under way for commit 1; commits 2 and 3 shared the second.
    expect(outcomes).toEqual([{ through: 1 }, { through: 3 }]);
    flusher.flushThrough(4);
    await flusher.close();
    expect(outcomes.at(-1)).toEqual({ through: 4 });
  });

  it('reports the commits it could not make durable when the WAL cannot be opened', async () => {
    const outcomes: FlushOutcome[] = [];
    const flusher = createWalFlusher(join(tmpdir(), 'hearth-no-such-dir', 'x.db-wal'), (outcome) =>
      outcomes.push(outcome),
    );
    flusher.flushThrough(7);
    await flusher.close();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.through).toBe(7);
    expect(outcomes[0]?.error?.message).toMatch(/ENOENT/);
  });
});
