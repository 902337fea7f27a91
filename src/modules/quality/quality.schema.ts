import { z } from 'zod';

/**
 * Bounds a workspace puts on the numbers of its tracked events. Amounts are in units of the
 * event's currency (10,000,000 CNY is ten million yuan), so one setting fits every currency.
 * The largest bounds keep every total a member can accumulate far inside the safe-integer range.
 */
export const orderLimitsSchema = z
  .object({
    maxAmount: z
      .number()
      .int('must be a whole number of currency units')
      .min(1, 'must be at least 1')
      .max(10_000_000_000, 'must be at most 10,000,000,000')
      .default(10_000_000)
      .describe('Largest amount (total, revenue, value, discount, a price, a line) in currency units'),
    maxQuantity: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1_000_000_000, 'must be at most 1,000,000,000')
      .default(1_000_000)
      .describe('Largest quantity of one product line'),
    maxProducts: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100_000, 'must be at most 100,000')
      .default(5_000)
      .describe('Most product lines one event may carry'),
  })
  .strict();
export type OrderLimits = z.infer<typeof orderLimitsSchema>;

export const refusalReasons = [
  'missing_order_id',
  'not_a_number',
  'negative',
  'too_large',
  'not_a_currency',
  'not_a_list',
  'not_an_object',
  'too_many_products',
] as const;
export const refusalReasonSchema = z.enum(refusalReasons);
export type RefusalReason = z.infer<typeof refusalReasonSchema>;

/** Why an event was kept in the log but not counted by any stage. */
export const eventRefusalSchema = z.object({
  reason: refusalReasonSchema,
  field: z.string().describe('Path of the offending value in the event, e.g. properties.total'),
  message: z.string(),
});
export type EventRefusal = z.infer<typeof eventRefusalSchema>;

export const dataQualityQuerySchema = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('Refusals of events received at or after this instant'),
  to: z.iso.datetime({ offset: true }).optional().describe('… and before this instant'),
  examples: z.coerce
    .number()
    .int()
    .min(0, 'must be at least 0')
    .max(100, 'must be at most 100')
    .default(20)
    .describe('How many of the most recent refused events to list'),
});

export const refusedEventSchema = z.object({
  eventId: z.string(),
  messageId: z.string(),
  event: z.string().nullable(),
  memberId: z.string().nullable(),
  timestamp: z.string(),
  receivedAt: z.string(),
  refusal: eventRefusalSchema,
});

export const dataQualityReportSchema = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  refusedEvents: z.number().int().describe('Events kept in the log but counted by no stage'),
  byReason: z.array(
    z.object({
      reason: refusalReasonSchema,
      event: z.string().nullable(),
      count: z.number().int(),
      lastReceivedAt: z.string(),
    }),
  ),
  recent: z.array(refusedEventSchema).describe('The most recently received refused events, newest first'),
  limits: orderLimitsSchema,
});
export type DataQualityReport = z.infer<typeof dataQualityReportSchema>;
