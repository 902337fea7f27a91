import { describe, expect, it } from 'vitest';
import { nextTickLimit } from './tick-sizing.ts';

const sizing = { targetMilliseconds: 100, minimum: 10, maximum: 500 };

describe('nextTickLimit', () => {
  it('shrinks in proportion when a tick took longer than the target', () => {
    expect(nextTickLimit(500, 1_000, sizing)).toBe(50);
    expect(nextTickLimit(100, 250, sizing)).toBe(40);
  });

  it('grows at most twofold when a tick was quick, up to the maximum', () => {
    expect(nextTickLimit(100, 10, sizing)).toBe(200);
    expect(nextTickLimit(100, 80, sizing)).toBe(125);
    expect(nextTickLimit(400, 1, sizing)).toBe(500);
  });

  it('never goes below the minimum, however slow a tick', () => {
    expect(nextTickLimit(20, 60_000, sizing)).toBe(10);
    expect(nextTickLimit(10, 0, sizing)).toBe(20);
  });
});
