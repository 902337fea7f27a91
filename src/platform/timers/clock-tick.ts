import { z } from 'zod';
import { readOperation } from '../processor/operations.ts';

/**
 * "Time has passed up to `until`": an operation in the log, so what time alone changes (points
 * expire, a tier is re-evaluated) is applied at one place in the log, live and on replay alike.
 * It is processed in a batch of its own (`alone`), so the timers a stage reads at its start are
 * exactly those the log up to it implies, whatever the batch sizes were.
 */
export const clockTickPayloadSchema = z.object({
  operation: z.literal('clock'),
  until: z.number().int(),
  /** At most this many subjects per stage: a month-end evaluation of a million members is spread over ticks. */
  limit: z.number().int().positive(),
  alone: z.literal(true),
});
export type ClockTick = z.infer<typeof clockTickPayloadSchema>;

export function clockTickPayload(until: number, limit: number): ClockTick {
  return { operation: 'clock', until, limit, alone: true };
}

export function readClockTick(payload: unknown): ClockTick | undefined {
  return readOperation(payload, 'clock', clockTickPayloadSchema);
}
