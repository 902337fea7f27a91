import { randomBytes } from 'node:crypto';

/** Letters a person reads off a package or a screen without mistaking them: no I or O. */
const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const digits = '0123456789';

/** How many distinct codes a pattern can make. */
export function patternCapacity(pattern: string): number {
  let capacity = 1;
  for (const character of pattern) {
    if (character === '#') capacity *= digits.length;
    else if (character === '?') capacity *= letters.length;
  }
  return capacity;
}

/**
 * A pattern must leave room: with at most 1 in 1,000 of its codes in use, a guessed code is
 * almost never a real one, and fresh random codes rarely collide with those already made.
 */
export function patternRoomFor(pattern: string, existing: number, wanted: number): boolean {
  return (existing + wanted) * 1_000 <= patternCapacity(pattern);
}

/** Normalized the way members type codes: trimmed, upper case. */
export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

/**
 * Random codes in the pattern, distinct among themselves (not yet checked against the pool).
 * Bytes are drawn in bulk and rejection-sampled, so every digit and letter is equally likely.
 */
export function generateCodes(
  pattern: string,
  count: number,
  random: (size: number) => Buffer = randomBytes,
): string[] {
  if (count > patternCapacity(pattern)) throw new RangeError(`the pattern ${pattern} makes fewer than ${count} codes`);
  const upperPattern = normalizeCode(pattern);
  const slots = [...upperPattern].filter((character) => character === '#' || character === '?').length;
  const codes = new Set<string>();
  let pool = random(0);
  let cursor = 0;
  const nextByte = (): number => {
    if (cursor >= pool.length) {
      pool = random(Math.max(4_096, (count - codes.size) * slots * 2));
      cursor = 0;
    }
    return pool[cursor++] as number;
  };
  const draw = (alphabet: string): string => {
    const limit = 256 - (256 % alphabet.length);
    for (;;) {
      const byte = nextByte();
      if (byte < limit) return alphabet[byte % alphabet.length] as string;
    }
  };
  while (codes.size < count) {
    let code = '';
    for (const character of upperPattern) {
      code += character === '#' ? draw(digits) : character === '?' ? draw(letters) : character;
    }
    codes.add(code);
  }
  return [...codes];
}
