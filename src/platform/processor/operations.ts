import { z, type ZodType } from 'zod';

/**
 * An operation's payload, when the log event carries the named operation and its shape is valid.
 * Every event passes through stages' readers: the plain name check keeps zod off ordinary events.
 */
export function readOperation<T>(payload: unknown, operation: string, schema: ZodType<T>): T | undefined {
  if (typeof payload !== 'object' || payload === null || (payload as { operation?: unknown }).operation !== operation) {
    return undefined;
  }
  const parsed = schema.safeParse(payload);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The log payload of a module's requests: the operation's name, the request, and a hash of what
 * the client sent (so a reused idempotency key with another request is refused).
 */
export function operationPayloadSchema<N extends string, R extends ZodType>(name: N, request: R) {
  return z.object({ operation: z.literal(name), request, fingerprint: z.string() });
}
