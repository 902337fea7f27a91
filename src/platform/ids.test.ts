import { describe, expect, it } from 'vitest';
import { createId, createToken } from './ids.ts';

describe('createId', () => {
  it('encodes the time as the ULID spec does', () => {
    // The spec's example: 1469918176385 ms is 01ARYZ6S41.
    expect(createId(1_469_918_176_385).slice(0, 10)).toBe('01ARYZ6S41');
    expect(createId(1_469_918_176_385)).toMatch(/^01ARYZ6S41[0-9A-HJKMNP-TV-Z]{16}$/);
  });

  it('sorts by time, and in creation order within a millisecond', () => {
    const ids = [
      ...Array.from({ length: 500 }, () => createId(1_700_000_000_000)),
      ...Array.from({ length: 500 }, () => createId(1_700_000_000_001)),
    ];
    expect(new Set(ids).size).toBe(1_000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('stays above the last id when the clock steps back', () => {
    const later = createId(1_800_000_000_000);
    const earlier = createId(1_799_999_999_000);
    expect(earlier > later).toBe(true);
    expect(earlier.slice(0, 10)).toBe(later.slice(0, 10));
  });
});

describe('createToken', () => {
  it('is the prefix and 32 base58 characters, different each time', () => {
    const token = createToken('sk_');
    expect(token).toMatch(/^sk_[1-9A-HJ-NP-Za-km-z]{32}$/);
    expect(createToken('sk_')).not.toBe(token);
  });
});
