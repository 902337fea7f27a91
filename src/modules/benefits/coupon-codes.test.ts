import { describe, expect, it } from 'vitest';
import { generateCodes, normalizeCode, patternCapacity, patternRoomFor } from './coupon-codes.ts';

const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

/** Hands out exactly these bytes, in order, as many as asked for at a time; throws when they run out. */
function feed(bytes: number[]): { random: (size: number) => Buffer; sizes: number[] } {
  let position = 0;
  const sizes: number[] = [];
  const random = (size: number): Buffer => {
    sizes.push(size);
    if (size === 0) return Buffer.alloc(0);
    if (position >= bytes.length) throw new Error('the test ran out of bytes');
    const chunk = Buffer.from(bytes.slice(position, position + size));
    position += chunk.length;
    return chunk;
  };
  return { random, sizes };
}

/** A seeded byte generator (mulberry32), so the same seed always gives the same bytes. */
function seededBytes(seed: number): (size: number) => Buffer {
  let state = seed >>> 0;
  return (size: number): Buffer => {
    const bytes = Buffer.alloc(size);
    for (let index = 0; index < size; index++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let mixed = state;
      mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
      mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
      bytes[index] = (mixed ^ (mixed >>> 14)) & 0xff;
    }
    return bytes;
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('patternCapacity', () => {
  it('multiplies 10 for every # and 24 for every ?, ignoring literal characters', () => {
    expect(patternCapacity('HX-####-????')).toBe(10 ** 4 * 24 ** 4);
    expect(patternCapacity('HX-####-????')).toBe(3_317_760_000);
    expect(patternCapacity('#')).toBe(10);
    expect(patternCapacity('?')).toBe(24);
    expect(patternCapacity('hx-#?')).toBe(240);
  });

  it('is 1 for a pattern with no placeholders (only one code can be made)', () => {
    expect(patternCapacity('HX-FIXED')).toBe(1);
    expect(patternCapacity('')).toBe(1);
  });
});

describe('patternRoomFor', () => {
  it('allows codes in use up to exactly one in 1,000 of the capacity, and not one more', () => {
    // '######' makes 1,000,000 codes: room for 1,000.
    expect(patternRoomFor('######', 0, 1_000)).toBe(true);
    expect(patternRoomFor('######', 0, 1_001)).toBe(false);
    expect(patternRoomFor('######', 999, 1)).toBe(true);
    expect(patternRoomFor('######', 1_000, 1)).toBe(false);
    expect(patternRoomFor('######', 1_000, 0)).toBe(true);
  });

  it('counts the codes that already exist together with those wanted', () => {
    // 3,317,760,000 / 1,000 = 3,317,760 codes.
    expect(patternRoomFor('HX-####-????', 3_317_000, 760)).toBe(true);
    expect(patternRoomFor('HX-####-????', 3_317_000, 761)).toBe(false);
    expect(patternRoomFor('HX-####-????', 0, 3_317_761)).toBe(false);
  });
});

describe('normalizeCode', () => {
  it('trims surrounding white space and upper-cases, the way members type codes', () => {
    expect(normalizeCode('  hx-12ab-cdef \n')).toBe('HX-12AB-CDEF');
    expect(normalizeCode('\tSummer-Sale')).toBe('SUMMER-SALE');
  });

  it('leaves an already normal code and inner characters as they are', () => {
    expect(normalizeCode('HX-1234-ABCD')).toBe('HX-1234-ABCD');
    expect(normalizeCode('hx 12')).toBe('HX 12');
  });
});

describe('generateCodes', () => {
  it('makes exactly the number of codes asked for, all distinct, each in the pattern', () => {
    const codes = generateCodes('HX-####-????', 2_000);
    expect(codes).toHaveLength(2_000);
    expect(new Set(codes).size).toBe(2_000);
    for (const code of codes) expect(code).toMatch(/^HX-[0-9]{4}-[A-HJ-NP-Z]{4}$/);
  });

  it('never uses I or O, and puts letters only where ? is and digits only where # is', () => {
    const codes = generateCodes('#?#?#?#?', 500, seededBytes(11));
    expect(codes).toHaveLength(500);
    for (const code of codes) {
      expect(code).toMatch(/^([0-9][A-HJ-NP-Z]){4}$/);
      expect(code).not.toMatch(/[IO]/);
    }
  });

  it('makes every code of a small pattern when asked for all of them', () => {
    const codes = generateCodes('##', 100);
    expect(codes).toHaveLength(100);
    expect([...codes].sort()).toEqual(range(0, 99).map((value) => String(value).padStart(2, '0')));
  });

  it('makes no codes when asked for none', () => {
    expect(generateCodes('HX-####-????', 0)).toEqual([]);
  });

  it('upper-cases the pattern’s letters and keeps its literal characters in place', () => {
    const { random } = feed([1, 2, 3, 4, 0, 1, 2, 3]);
    expect(generateCodes('hx-####-????', 1, random)).toEqual(['HX-1234-ABCD']);
  });

  it('maps a byte to a digit by byte % 10 and to a letter by byte % 24 over the alphabet without I and O', () => {
    expect(generateCodes('?'.repeat(24), 1, feed(range(0, 23)).random)).toEqual([letters]);
    expect(generateCodes('?'.repeat(24), 1, feed(range(24, 47)).random)).toEqual([letters]);
    expect(generateCodes('###', 1, feed([9, 19, 249]).random)).toEqual(['999']);
  });

  it('skips bytes 250..255 for a digit, so every digit is equally likely', () => {
    const { random } = feed([250, 251, 252, 253, 254, 255, 3, 255, 250, 7]);
    expect(generateCodes('##', 1, random)).toEqual(['37']);
  });

  it('skips bytes 240..255 for a letter but still takes 240..249 for a digit', () => {
    const { random } = feed([...range(240, 255), 8, 240, 249]);
    expect(generateCodes('?##', 1, random)).toEqual(['J09']);
  });

  it('skips rejected bytes in a full pattern: HX-37AZ from 250..255, 3, 17, 240, 0, 23', () => {
    const { random } = feed([250, 251, 252, 253, 254, 255, 3, 17, 240, 0, 23]);
    expect(generateCodes('hx-##??', 1, random)).toEqual(['HX-37AZ']);
  });

  it('draws again instead of returning a code it already made', () => {
    const { random } = feed([1, 2, 1, 2, 1, 2, 3, 4]);
    expect(generateCodes('##', 2, random)).toEqual(['12', '34']);
  });

  it('is deterministic for an injected random source: the same seed gives the same codes', () => {
    const first = generateCodes('HX-####-????', 50, seededBytes(42));
    const second = generateCodes('HX-####-????', 50, seededBytes(42));
    const other = generateCodes('HX-####-????', 50, seededBytes(43));
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(50);
    expect(other).not.toEqual(first);
  });

  it('draws bytes in bulk: one request of at least 4,096 bytes covers a small batch', () => {
    const { random, sizes } = feed(range(0, 199));
    expect(generateCodes('####', 3, random)).toEqual(['0123', '4567', '8901']);
    expect(sizes.filter((size) => size > 0)).toEqual([4_096]);
  });

  it('asks for two bytes per placeholder still needed when that is more than 4,096', () => {
    const sizes: number[] = [];
    const source = seededBytes(5);
    const random = (size: number): Buffer => {
      sizes.push(size);
      return source(size);
    };
    expect(generateCodes('HX-####-????', 1_000, random)).toHaveLength(1_000);
    expect(sizes.filter((size) => size > 0)[0]).toBe(1_000 * 8 * 2);
  });

  it('keeps drawing when the source hands back fewer bytes than asked for', () => {
    const bytes = [5, 255, 6, 7, 8, 9, 0, 1, 2];
    let position = 0;
    const random = (size: number): Buffer => {
      if (size === 0) return Buffer.alloc(0);
      const byte = bytes[position++];
      if (byte === undefined) throw new Error('the test ran out of bytes');
      return Buffer.from([byte]);
    };
    expect(generateCodes('####', 2, random)).toEqual(['5678', '9012']);
    expect(position).toBe(9);
  });
});
