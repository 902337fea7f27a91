import { createHash } from 'node:crypto';
import { z } from 'zod';
import { invalidRequest } from '../errors.ts';
import type { OperationAnswer } from '../processor/operation-answers.ts';

export const idempotencyKeyHeaderSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1–64 letters, digits, or . _ : -')
  .optional();

/** The Idempotency-Key header of a write; a malformed one is refused rather than ignored. */
export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  const parsed = idempotencyKeyHeaderSchema.safeParse(Array.isArray(header) ? header[0] : header);
  if (!parsed.success) throw invalidRequest('headers.idempotency-key', parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
}

/** What a keyed request is, as a short text the log keeps: a retry sends the same one. */
export const fingerprintOf = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** The answer to a key reused for a different request: it never reaches the first request's answer. */
export function keyReused(): OperationAnswer {
  const issues = [{ path: 'headers.idempotency-key', message: 'already used for a different request' }];
  return {
    status: 422,
    body: { error: 'idempotency_key_reused', message: 'this Idempotency-Key was used for a different request', issues },
  };
}

/**
 * Compares what the log holds under a key with the request now made under it. Every keyed write
 * goes through here, so a retry and a reused key are told apart the same way on every route.
 */
export function refusalForReusedKey(
  stored: { payload: Record<string, unknown> },
  fingerprint: string,
): OperationAnswer | undefined {
  return stored.payload.fingerprint === fingerprint ? undefined : keyReused();
}
