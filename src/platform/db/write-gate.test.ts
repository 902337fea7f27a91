import { describe, expect, it } from 'vitest';
import { createWriteGate } from './write-gate.ts';

describe('createWriteGate', () => {
  it('runs writers one at a time, in the order they asked, past a failure', async () => {
    const gate = createWriteGate();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const first = gate.run(async () => {
      log.push('first starts');
      await new Promise<void>((resolve) => (release = resolve));
      log.push('first ends');
      return 1;
    });
    const second = gate.run(async () => {
      log.push('second starts');
      throw new Error('second failed');
    });
    const third = gate.run(async () => {
      log.push('third starts');
      return 3;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log).toEqual(['first starts']);
    release();
    expect(await first).toBe(1);
    await expect(second).rejects.toThrow('second failed');
    expect(await third).toBe(3);
    expect(log).toEqual(['first starts', 'first ends', 'second starts', 'third starts']);
  });
});
