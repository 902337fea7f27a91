import { z } from 'zod';
import { identifierSchema } from '../identity/identity.schema.ts';
import { eventRefusalSchema } from '../quality/quality.schema.ts';
import { normalizeCategory } from './event-money.ts';

/** A product category named in a rule or a request, compared as events' categories are (normalized). */
export const categoryNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .transform(normalizeCategory);

export const featuresSchema = z.object({
  firstSeenAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  eventCount: z.number().int(),
  orderCount: z.number().int(),
  totalSpend: z.number().int().describe('minor units of the workspace currency'),
  refundTotal: z.number().int(),
  netSpend: z.number().int(),
  averageOrderValue: z.number().int().describe('totalSpend / orderCount, rounded'),
  firstOrderAt: z.string().nullable(),
  lastOrderAt: z.string().nullable(),
  categories: z
    .record(z.string(), z.object({ spend: z.number().int(), orders: z.number().int() }))
    .describe('by category, named in lower case with single spaces'),
  channels: z.array(z.string()).describe('channels seen, first touch first'),
});

export const memberSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  identifiers: z.array(identifierSchema),
  traits: z.record(z.string(), z.unknown()),
  currency: z.string().describe("ISO 4217: the workspace's currency, of every amount in features (in its minor units)"),
  features: featuresSchema,
  tags: z.array(z.object({ id: z.string(), family: z.string(), name: z.string() })).describe('tags the member carries'),
});
export type Member = z.infer<typeof memberSchema>;

export const memberParamsSchema = z.object({ id: z.string().min(1) });

export const memberEventsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500').default(50),
  cursor: z.coerce.number().int().min(1).optional().describe('nextCursor of the previous page'),
});

export const memberEventSchema = z.object({
  id: z.string(),
  messageId: z.string(),
  type: z.string(),
  event: z.string().nullable(),
  timestamp: z.string(),
  receivedAt: z.string(),
  payload: z.record(z.string(), z.unknown()),
  refusal: eventRefusalSchema
    .nullable()
    .describe('Why the event, kept in the log, counts for nothing; null when it counts'),
});
export type MemberEvent = z.infer<typeof memberEventSchema>;

export const memberEventsResponseSchema = z.object({
  memberId: z.string(),
  events: z.array(memberEventSchema),
  nextCursor: z.number().int().nullable(),
});
