import { z } from 'zod';
import { pageCursorSchema } from '../../platform/page-cursor.ts';
import { pointsAmount, pointsTotalCeiling, positiveMinorUnits, positivePointsAmount } from '../../platform/amounts.ts';
import { loyaltyProgramSchema } from './loyalty-program.schema.ts';

/** Shapes of the loyalty API; the program document itself is in loyalty-program.schema.ts. */

export { memberParamsSchema } from '../profiles/profiles.schema.ts';

const instant = z.string().describe('ISO-8601 instant');

/** Balances and lifetime counters: the decisions keep every one of them within the ceiling. */
const pointsTotal = z.number().int().min(-pointsTotalCeiling).max(pointsTotalCeiling);

export const pointsBalanceSchema = z.object({
  memberId: z.string(),
  available: pointsTotal,
  pending: pointsTotal,
  reserved: pointsTotal,
  lifetimeEarned: pointsTotal,
  lifetimeRedeemed: pointsTotal,
  lifetimeExpired: pointsTotal,
});
export type PointsBalance = z.infer<typeof pointsBalanceSchema>;

export const pointsSummarySchema = pointsBalanceSchema.extend({
  expiringSoon: z.array(z.object({ points: z.number().int(), expiresAt: instant })),
});

export const pointsHistoryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: pageCursorSchema,
});

export const pointsEntrySchema = z.object({
  id: z.string(),
  kind: z.string(),
  available: z.number().int(),
  pending: z.number().int(),
  reserved: z.number().int(),
  shortfall: z.number().int(),
  at: instant,
  reason: z.string(),
  source: z.object({ type: z.string(), id: z.string().nullable() }),
  orderId: z.string().nullable(),
  programVersion: z.number().int().nullable(),
  eventId: z.string(),
});

export const pointsHistorySchema = z.object({
  memberId: z.string(),
  entries: z.array(pointsEntrySchema),
  nextCursor: z.string().nullable(),
});

export const adjustBodySchema = z.object({
  points: pointsAmount.refine((points) => points !== 0, 'must not be 0'),
  reason: z.string().trim().min(1, 'say why (shown in the member history)').max(500),
});

export const redeemBodySchema = z.object({
  points: positivePointsAmount,
  reason: z.string().trim().min(1).max(500).default('redemption'),
});

export const quoteBodySchema = z.object({
  orderAmount: positiveMinorUnits,
});

export const quoteSchema = z.object({
  available: z.number().int(),
  maxPoints: z.number().int(),
  deduction: z.number().int().describe('what maxPoints pay, in minor units'),
  currency: z.string(),
});

export const reserveBodySchema = z.object({ points: positivePointsAmount, orderId: z.string().min(1).max(200) });
export const orderBodySchema = z.object({ orderId: z.string().min(1).max(200) });

export const refusalSchema = z.object({
  error: z.string(),
  message: z.string(),
  available: z.number().int().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});

export const programVersionSchema = z.object({
  version: z.number().int(),
  createdAt: instant,
  active: z.boolean(),
  program: loyaltyProgramSchema,
});

export const programVersionsSchema = z.object({ versions: z.array(programVersionSchema) });

export const liabilitySchema = z.object({
  points: z.object({
    active: z.number().int(),
    pending: z.number().int(),
    reserved: z.number().int(),
    debt: z.number().int(),
    total: z.number().int(),
  }),
  value: z.number().int().describe('minor units of the workspace currency'),
  currency: z.string(),
  expiringByMonth: z.array(z.object({ month: z.string(), points: z.number().int() })),
  breakageRate: z.number().nullable(),
});

export const explanationSchema = z.object({
  memberId: z.string(),
  /** Why the member holds their tier: the basis, the value, the threshold and the change that put them there. */
  tier: z
    .object({
      tier: z.string().nullable(),
      basis: z.string(),
      qualifyingValue: z.number().int(),
      threshold: z.number().int().nullable(),
      valueScore: z.object({ total: z.number().int(), dimensions: z.record(z.string(), z.number().int()) }),
      because: z.string().nullable(),
    })
    .nullable(),
  points: z.object({
    balance: pointsBalanceSchema.omit({ memberId: true }),
    /** The lines add up to available + pending + reserved. */
    total: z.number().int(),
    because: z.array(
      z.object({
        label: z.string(),
        kind: z.string(),
        source: z.object({ type: z.string(), id: z.string().nullable() }),
        points: z.number().int(),
        entries: z.number().int(),
        firstAt: instant.nullable(),
        lastAt: instant.nullable(),
      }),
    ),
  }),
});

const tierLevelView = z.object({
  id: z.string(),
  name: z.string(),
  threshold: z.number().int(),
  benefits: z.array(z.string()),
});

export const tierViewSchema = z.object({
  memberId: z.string(),
  tier: tierLevelView.nullable(),
  since: instant.nullable(),
  basis: z.string(),
  qualifyingValue: z.number().int(),
  valueScore: z.object({
    total: z.number().int().describe('0–1000'),
    dimensions: z.object({
      consumption: z.number().int(),
      activity: z.number().int(),
      account: z.number().int(),
      credit: z.number().int(),
      newcomer: z.number().int(),
    }),
  }),
  next: z.object({ tier: tierLevelView, missing: z.number().int() }).nullable(),
  downgrade: z.object({ to: tierLevelView.nullable(), at: instant }).nullable(),
  history: z.array(
    z.object({ from: z.string().nullable(), to: z.string().nullable(), at: instant, reason: z.string() }),
  ),
});

export const tierChangesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: pageCursorSchema,
});

export const tierChangesSchema = z.object({
  changes: z.array(
    z.object({
      id: z.string(),
      memberId: z.string(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      at: instant,
      reason: z.string(),
      eventId: z.string(),
    }),
  ),
  /** Pass back as `cursor` for the changes after these; null when there are none yet. */
  nextCursor: z.string().nullable(),
});
