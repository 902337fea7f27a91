import { createHash } from 'node:crypto';
import { createToken } from '../../platform/ids.ts';
import type { KeyKind } from './workspaces.schema.ts';

const prefixByKind: Record<KeyKind, string> = { write: 'wk_', secret: 'sk_' };

export function generateKey(kind: KeyKind): string {
  return createToken(prefixByKind[kind]);
}

/** Keys are long random tokens, so one unsalted SHA-256 is enough and lets us look them up by hash. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** What is shown of a key in listings: enough to recognise it, useless to an attacker. */
export function keyPrefix(key: string): string {
  return key.slice(0, 7);
}
