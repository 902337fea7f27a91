/**
 * A seeded pseudo-random generator (xoshiro128**) for demo data. Demo output must be a pure
 * function of its inputs, so nothing here reads Math.random or the clock. A 128-bit state keeps
 * the streams of a million members from overlapping, which a 32-bit generator (mulberry32)
 * would not, and ids drawn from it (device ids, openids) stay distinct.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One item, chosen with probability proportional to its weight. */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T;
  /** An index into `weights`, chosen with probability proportional to the weight there. */
  weightedIndex(weights: readonly number[]): number;
  /** `length` characters drawn from `alphabet`. */
  string(alphabet: string, length: number): string;
}

/** splitmix32 finalizer: spreads every input bit over the whole word. */
function mix32(value: number): number {
  let t = (value + 0x9e3779b9) | 0;
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}

/** Folds non-negative integers of any size (seeds above 2^32 included) into 32-bit words. */
function words(keys: readonly number[]): number[] {
  const result: number[] = [];
  for (const key of keys) {
    result.push(key >>> 0, Math.floor(key / 0x1_0000_0000) >>> 0);
  }
  return result;
}

/** A generator whose stream is determined by the keys, e.g. (seed, member index). */
export function createRandom(...keys: number[]): Random {
  let hash = 0x6a09e667;
  for (const word of words(keys)) hash = mix32(hash ^ word);
  let [s0, s1, s2, s3] = [mix32(hash), mix32(hash + 1), mix32(hash + 2), mix32(hash + 3)];
  // xoshiro never leaves the all-zero state; the hash makes it all but impossible, this makes it impossible.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  function nextWord(): number {
    const result = Math.imul(rotateLeft(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const shifted = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = rotateLeft(s3, 11);
    return result;
  }

  function next(): number {
    return nextWord() / 0x1_0000_0000;
  }

  function int(min: number, max: number): number {
    return min + Math.floor(next() * (max - min + 1));
  }

  function pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[int(0, items.length - 1)] as T;
  }

  function weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let target = next() * total;
    for (const [item, weight] of entries) {
      target -= weight;
      if (target < 0) return item;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new Error('cannot choose from an empty list');
    return last[0];
  }

  function weightedIndex(weights: readonly number[]): number {
    return weighted(weights.map((weight, index) => [index, weight] as const));
  }

  function string(alphabet: string, length: number): string {
    let result = '';
    for (let index = 0; index < length; index += 1) result += alphabet[int(0, alphabet.length - 1)];
    return result;
  }

  return { next, int, chance: (probability) => next() < probability, pick, weighted, weightedIndex, string };
}
