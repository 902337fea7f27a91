import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

const nextUlid = monotonicFactory();

/** Time-sortable id (ULID); monotonic within the process so ids from one millisecond keep their order. */
export function createId(nowMs: number): string {
  return nextUlid(nowMs);
}

const keyAlphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Random base58 token for API keys: 32 characters ≈ 187 bits. */
export function createToken(prefix: string, length = 32): string {
  const bytes = randomBytes(length);
  let token = '';
  for (const byte of bytes) token += keyAlphabet[byte % keyAlphabet.length];
  return `${prefix}${token}`;
}
