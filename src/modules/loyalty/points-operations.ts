import { z } from 'zod';
import { readOperation } from '../../platform/processor/operations.ts';

/**
 * Staff and checkout actions on points travel through the event log as operations, so the
 * processor decides them in log order (no double spend: one decision at a time) and a replay
 * decides them the same way. The idempotency key becomes the log message id.
 */
export const pointsOperationSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('adjust'), points: z.number().int(), reason: z.string() }),
  z.object({ action: z.literal('redeem'), points: z.number().int(), reason: z.string() }),
  z.object({ action: z.literal('reserve'), points: z.number().int(), orderId: z.string() }),
  z.object({ action: z.literal('commit'), orderId: z.string() }),
  z.object({ action: z.literal('release'), orderId: z.string() }),
]);
export type PointsOperation = z.infer<typeof pointsOperationSchema>;

export const pointsOperationPayloadSchema = z.object({
  operation: z.literal('points'),
  memberId: z.string(),
  request: pointsOperationSchema,
  /** A hash of the request, so a reused idempotency key with a different request is refused. */
  fingerprint: z.string(),
});
export type PointsOperationPayload = z.infer<typeof pointsOperationPayloadSchema>;

export const programActivationPayloadSchema = z.object({
  operation: z.literal('loyalty-program'),
  version: z.number().int().positive(),
});

export function readPointsOperation(payload: unknown): PointsOperationPayload | undefined {
  return readOperation(payload, 'points', pointsOperationPayloadSchema);
}

export function readProgramActivation(payload: unknown): number | undefined {
  return readOperation(payload, 'loyalty-program', programActivationPayloadSchema)?.version;
}
