import { z } from 'zod';
import { pageCursorSchema } from '../../platform/page-cursor.ts';
import { totalThreshold } from '../../platform/amounts.ts';
import { operationPayloadSchema, readOperation } from '../../platform/processor/operations.ts';
import { categoryNameSchema } from '../profiles/profiles.schema.ts';

/**
 * Medals and badges: a measure of the member's behaviour (spend or orders, overall or in a
 * category; how often they did something; how many days in a row) and levels reached at
 * thresholds of it, each of which may grant points or a coupon and unlock a right.
 */

const label = z.string().trim().min(1).max(200);

export const badgeMeasureSchema = z.discriminatedUnion(
  'type',
  [
    /** Net spend (minor units) of completed orders, in a category when one is named. */
    z.object({ type: z.literal('spend'), category: categoryNameSchema.optional() }),
    /** Completed orders (that are not refunded in full), with a line in the category when one is named. */
    z.object({ type: z.literal('orders'), category: categoryNameSchema.optional() }),
    /** Times the member sent an event of the log: `Product Reviewed`, `Order Shared`, … */
    z.object({ type: z.literal('events'), event: label }),
    /** Days in a row (workspace time zone) with the event, up to the latest one. */
    z.object({ type: z.literal('streak'), event: label }),
  ],
  { error: 'must be {type: "spend" | "orders", category?} or {type: "events" | "streak", event}' },
);
export type BadgeMeasure = z.infer<typeof badgeMeasureSchema>;

export const badgeLevelSchema = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,40}$/, 'must be 1–40 lower-case letters, digits or -'),
  threshold: totalThreshold.positive('must be more than 0'),
  reward: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('points'), points: z.number().int().positive().max(1_000_000) }),
      z.object({ type: z.literal('coupon'), templateId: z.string().min(1).max(100) }),
    ])
    .optional(),
  /** A right this level opens (e.g. `free-sample`), for other systems to check. */
  unlocks: z.string().trim().min(1).max(100).optional(),
});
export type BadgeLevel = z.infer<typeof badgeLevelSchema>;

export const badgeDefinitionSchema = z
  .object({
    name: label,
    description: z.string().max(2_000).optional(),
    measure: badgeMeasureSchema,
    /** Only what happened in the last N months counts (12 for the category medals); absent: all time. */
    windowMonths: z.number().int().min(1).max(120).optional(),
    levels: z
      .array(badgeLevelSchema)
      .min(1)
      .max(20)
      .refine(
        (levels) =>
          levels.every((level, index) => index === 0 || level.threshold > (levels[index - 1]?.threshold ?? 0)),
        {
          message: 'thresholds must rise from one level to the next',
        },
      )
      .refine((levels) => new Set(levels.map((level) => level.name)).size === levels.length, {
        message: 'level names must differ',
      }),
    /** Whether a refund that drops the member below a level takes the level back. */
    revokeOnRefund: z.boolean().default(true),
  })
  .strict();
export type BadgeDefinition = z.infer<typeof badgeDefinitionSchema>;

export const badgeIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be 1–64 lower-case letters, digits or -');

const badgeOperationSchema = operationPayloadSchema(
  'badges',
  z.object({ action: z.literal('save-badge'), badgeId: z.string(), definition: badgeDefinitionSchema }),
);
export type BadgeOperation = z.infer<typeof badgeOperationSchema>;

export function readBadgeOperation(payload: unknown): BadgeOperation | undefined {
  return readOperation(payload, 'badges', badgeOperationSchema);
}

export const badgeParamsSchema = z.object({ id: badgeIdSchema });

export const badgeSchema = badgeDefinitionSchema.extend({
  id: z.string(),
  /** Members holding each level now (at that level exactly). */
  holders: z.record(z.string(), z.number().int()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BadgeView = z.infer<typeof badgeSchema>;
export const badgeListSchema = z.object({ badges: z.array(badgeSchema) });

export const holdersQuerySchema = z.object({
  /** Holders at this level or above; absent: every level. */
  level: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: pageCursorSchema,
});

const heldBadgeSchema = z.object({
  memberId: z.string(),
  badgeId: z.string(),
  level: z.string().nullable(),
  value: z.number().int(),
  awardedAt: z.string().nullable(),
});
export const holdersSchema = z.object({
  badgeId: z.string(),
  holders: z.array(heldBadgeSchema),
  nextCursor: z.string().nullable(),
});
export const memberBadgesSchema = z.object({
  memberId: z.string(),
  badges: z.array(
    heldBadgeSchema.extend({
      name: z.string(),
      unlocks: z.array(z.string()),
      /** The next level and how much of the measure it still needs. */
      next: z.object({ level: z.string(), missing: z.number().int() }).nullable(),
    }),
  ),
});
