import { z } from 'zod';
import { categoryNameSchema } from '../profiles/profiles.schema.ts';
import { minorUnitsAmount, pointsAmount, positiveMinorUnits } from '../../platform/amounts.ts';
import { tiersSchema, valueScoreSchema } from './tier-program.schema.ts';

/**
 * The loyalty program a workspace runs, as one JSON document. Every version is kept; the
 * processor applies the version in force at each event's place in the log, so a change applies
 * from the moment it is saved and a replay reaches the same ledger.
 */

const identifier = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'must be 1–64 lower-case letters, digits, - or _, starting with a letter or digit',
  );

// Bounded per input, so no award, budget or cap can carry a balance out of the exact range.
const points = pointsAmount;
const positivePoints = points.positive('must be more than 0');
const dateOnly = z.iso.date('must be a date like 2026-05-01');

/** Where a condition reads its value from: the event, the member, or facts Hearth derives. */
const memberFeatureNames = [
  'orderCount',
  'totalSpend',
  'refundTotal',
  'netSpend',
  'averageOrderValue',
  'eventCount',
  'firstOrderAt',
  'lastOrderAt',
  'firstSeenAt',
  'lastSeenAt',
] as const;

const fieldPattern = new RegExp(
  [
    String.raw`^(properties|context)(\.[A-Za-z0-9_$-]+)+$`,
    String.raw`^traits(\.[A-Za-z0-9_$-]+)+$`,
    `^features\\.(${memberFeatureNames.join('|')})$`,
    '^(tier|channel|store|event)$',
  ].join('|'),
);

export const conditionFieldSchema = z
  .string()
  .regex(
    fieldPattern,
    'must be properties.<path>, context.<path>, traits.<path>, features.<' +
      `${memberFeatureNames.join('|')}>, tier, channel, store or event`,
  );

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const conditionSchema = z.discriminatedUnion('op', [
  z.strictObject({ field: conditionFieldSchema, op: z.enum(['eq', 'ne']), value: scalar }),
  z.strictObject({ field: conditionFieldSchema, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: z.number() }),
  z.strictObject({ field: conditionFieldSchema, op: z.enum(['in', 'notIn']), value: z.array(scalar).min(1) }),
  z.strictObject({ field: conditionFieldSchema, op: z.literal('contains'), value: scalar }),
  z.strictObject({ field: conditionFieldSchema, op: z.enum(['exists', 'missing']) }),
]);
export type Condition = z.infer<typeof conditionSchema>;

const multiplier = z
  .number()
  .positive('must be more than 0')
  .max(100, 'must be at most 100')
  // value × 100 is not exact in binary (1.1 × 100 = 110.00000000000001): compare with a tolerance.
  .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, 'must have at most 2 decimals');

/** Points per amount of money: `{points: 1, per: 100}` is one point per 1.00 (100 minor units). */
const rateFields = {
  points: positivePoints,
  per: minorUnitsAmount.positive('must be a positive amount in minor units'),
  multiplier: multiplier.optional(),
};

const productMatchSchema = z
  .strictObject({
    category: categoryNameSchema.optional(),
    productId: z.string().min(1).optional(),
    sku: z.string().min(1).optional(),
  })
  .refine((match) => Object.keys(match).length > 0, 'name at least one of category, productId, sku');

export const awardSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), points: positivePoints }),
  /** On the order total (`total`, else `revenue`, else the product lines), in minor units. */
  z.strictObject({ kind: z.literal('perAmount'), ...rateFields }),
  /** On the matching product lines only (price × quantity). */
  z.strictObject({ kind: z.literal('perProduct'), match: productMatchSchema, ...rateFields }),
]);
export type Award = z.infer<typeof awardSchema>;

export const earningRuleSchema = z
  .strictObject({
    id: identifier,
    name: z.string().min(1).max(200),
    /** The event name that triggers the rule (`Order Completed`, `Product Reviewed`, any custom event). */
    event: z.string().min(1).max(200),
    conditions: z.array(conditionSchema).max(50).default([]),
    /** Inclusive dates in the workspace time zone. */
    from: dateOnly.optional(),
    until: dateOnly.optional(),
    award: awardSchema,
    /** Applied after the award: e.g. 2 for Diamond members (put the tier in conditions). */
    multiplier: multiplier.optional(),
    /** Total points the rule may ever give; it never gives more, even under concurrent events. */
    budget: positivePoints.optional(),
    caps: z
      .strictObject({ perMemberPerDay: positivePoints.optional(), perMemberPerMonth: positivePoints.optional() })
      .optional(),
    enabled: z.boolean().default(true),
  })
  .refine((rule) => !rule.from || !rule.until || rule.from <= rule.until, {
    message: 'from must not be after until',
    path: ['until'],
  });
export type EarningRule = z.infer<typeof earningRuleSchema>;

export const expirySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('never') }),
  /** N months after the points were earned. */
  z.strictObject({ kind: z.literal('rolling'), months: z.number().int().min(1).max(120) }),
  /** At the end of the calendar year, N years after the year they were earned in (0: the same year). */
  z.strictObject({ kind: z.literal('endOfYear'), years: z.number().int().min(0).max(10) }),
]);
export type Expiry = z.infer<typeof expirySchema>;

export const loyaltyProgramSchema = z
  .strictObject({
    name: z.string().min(1).max(200).default('Points'),
    /** `{points: 100, amount: 100}`: 100 points are worth 1.00 of the workspace currency. */
    pointValue: z
      .strictObject({ points: positivePoints, amount: positiveMinorUnits })
      .default({ points: 100, amount: 100 }),
    rounding: z.enum(['floor', 'round', 'ceil']).default('floor'),
    earning: z.array(earningRuleSchema).max(500).default([]),
    /** Points earned from an order stay pending this many days (the return window). */
    pendingDays: z.number().int().min(0).max(365).default(0),
    expiry: expirySchema.default({ kind: 'never' }),
    /** Days ahead that count as "expiring soon". */
    expiringSoonDays: z.number().int().min(1).max(366).default(30),
    allowNegativeBalance: z.boolean().default(false),
    redemption: z
      .strictObject({
        /** The largest share of an order that points may pay, in percent. */
        maxOrderSharePercent: z.number().int().min(1).max(100).default(100),
        minimumBalance: points.min(0).default(0),
        step: positivePoints.default(1),
        reservationMinutes: z.number().int().min(1).max(1440).default(15),
      })
      .prefault({}),
    valueScore: valueScoreSchema,
    /** Without tiers, members hold none; the value score is still kept. */
    tiers: tiersSchema.optional(),
  })
  .superRefine((program, context) => {
    const seen = new Map<string, number>();
    program.earning.forEach((rule, index) => {
      const first = seen.get(rule.id);
      if (first !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['earning', index, 'id'],
          message: `duplicates the id of earning[${first}]`,
        });
      } else seen.set(rule.id, index);
    });
  });
export type LoyaltyProgram = z.output<typeof loyaltyProgramSchema>;
export type LoyaltyProgramInput = z.input<typeof loyaltyProgramSchema>;
