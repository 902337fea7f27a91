import { z } from 'zod';
import { defaultRfmSegments } from './rfm.ts';

const dayOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be a day like 2006-12-31 or an ISO-8601 instant',
});

const score = z.number().int().min(1, 'scores run from 1 to 5').max(5, 'scores run from 1 to 5');
const scoreRange = z
  .tuple([score, score])
  .refine(([low, high]) => low <= high, 'must be [lowest, highest] with lowest ≤ highest');

export const rfmSegmentRuleSchema = z.object({
  name: z.string().min(1).max(100),
  recency: scoreRange,
  frequency: scoreRange,
  monetary: scoreRange,
});

export const rfmRequestSchema = z.object({
  asOf: dayOrInstant.describe('the analysis day (workspace time zone) or instant; orders up to it count'),
  since: dayOrInstant.optional().describe('only orders from this day or instant on'),
  segments: z
    .array(rfmSegmentRuleSchema)
    .min(1)
    .max(50)
    .optional()
    .describe(`named segments, first match wins; default: ${defaultRfmSegments.map((rule) => rule.name).join(', ')}`),
  limit: z.number().int().min(0).max(100_000).default(1_000).describe('members listed in this answer'),
  offset: z.number().int().min(0).default(0),
});
export type RfmRequest = z.output<typeof rfmRequestSchema>;

const bounds = z.object({ lower: z.array(z.number()), upper: z.array(z.number()) });
const scores = z.object({ recency: z.number().int(), frequency: z.number().int(), monetary: z.number().int() });

export const rfmMemberSchema = z.object({
  memberId: z.string(),
  lastOrderAt: z.string().describe('ISO-8601 instant'),
  recencyDays: z.number().int(),
  frequency: z.number().int().describe('completed orders'),
  monetary: z.number().int().describe('net spend, minor units'),
  scores,
  /** R's rfm_score: recency × 100 + frequency × 10 + monetary. */
  rfmScore: z.number().int(),
  segment: z.string(),
});

export const rfmResponseSchema = z.object({
  asOf: z.string(),
  since: z.string().nullable(),
  currency: z.string(),
  customers: z.number().int(),
  orders: z.number().int(),
  revenue: z.number().int().describe('minor units of `currency`'),
  thresholds: z
    .object({ recency: bounds, frequency: bounds, monetary: bounds })
    .describe(
      'score i covers [lower[i-1], upper[i-1]); recency in days, frequency in orders, monetary in minor units of `currency`',
    ),
  segments: z.array(
    z.object({ name: z.string(), customers: z.number().int(), orders: z.number().int(), revenue: z.number().int() }),
  ),
  members: z.array(rfmMemberSchema),
  nextOffset: z.number().int().nullable(),
});
export type RfmResponse = z.output<typeof rfmResponseSchema>;

export const paretoQuerySchema = z.object({
  asOf: dayOrInstant.optional().describe('default: now'),
  since: dayOrInstant.optional(),
});

const band = z.object({ customers: z.number().int(), revenue: z.number().int(), share: z.number() });

export const paretoResponseSchema = z.object({
  currency: z.string(),
  customers: z.number().int(),
  revenue: z.number().int().describe('minor units'),
  top20: band,
  middle60: band,
  tail20: band,
  curve: z.array(z.object({ customerShare: z.number(), revenueShare: z.number() })),
});
