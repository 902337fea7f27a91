import { z } from 'zod';
import { invalidRequest } from '../errors.ts';

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
