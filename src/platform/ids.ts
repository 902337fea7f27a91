import { randomBytes, randomFillSync } from 'node:crypto';

/** Crockford's base32, as ULID uses it. */
const ulidAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const timeLength = 10;
const randomLength = 16;

/** Random bytes are drawn from the OS in blocks: one system call per id would dominate ingestion. */
const randomPool = Buffer.alloc(4096);
let poolOffset = randomPool.length;

function nextRandomDigits(digits: number[]): void {
  if (poolOffset + randomLength > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  for (let index = 0; index < randomLength; index += 1) {
    digits[index] = (randomPool[poolOffset + index] as number) & 31;
  }
  poolOffset += randomLength;
}

function encodeTime(milliseconds: number): string {
  let rest = milliseconds;
  let text = '';
  for (let index = 0; index < timeLength; index += 1) {
    text = ulidAlphabet.charAt(rest % 32) + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

/** Adds one to the random part, carrying; ids of the same millisecond stay in creation order. */
function incrementDigits(digits: number[]): void {
  for (let index = randomLength - 1; index >= 0; index -= 1) {
    const digit = (digits[index] as number) + 1;
    if (digit < 32) {
      digits[index] = digit;
      return;
    }
    digits[index] = 0;
  }
  // 80 random bits overflowed within one millisecond: practically never, but stay unique.
  nextRandomDigits(digits);
}

let lastTime = -1;
let lastTimeText = '';
const lastDigits: number[] = new Array<number>(randomLength).fill(0);

/**
 * Time-sortable id (ULID): monotonic within the process, so ids of one millisecond keep their
 * order, and a clock that steps back never yields an id smaller than the last one.
 */
export function createId(nowMs: number): string {
  if (nowMs > lastTime) {
    lastTime = nowMs;
    lastTimeText = encodeTime(nowMs);
    nextRandomDigits(lastDigits);
  } else {
    incrementDigits(lastDigits);
  }
  let random = '';
  for (const digit of lastDigits) random += ulidAlphabet.charAt(digit);
  return lastTimeText + random;
}

const keyAlphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Random base58 token for API keys: 32 characters ≈ 187 bits. */
export function createToken(prefix: string, length = 32): string {
  const bytes = randomBytes(length);
  let token = '';
  for (const byte of bytes) token += keyAlphabet[byte % keyAlphabet.length];
  return `${prefix}${token}`;
}
