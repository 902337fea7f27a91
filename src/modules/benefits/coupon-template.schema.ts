import { z } from 'zod';
import { categoryNameSchema } from '../profiles/profiles.schema.ts';
import { minorUnitsAmount } from '../../platform/amounts.ts';

/**
 * A coupon template: what the coupon takes off, on what, for whom, for how long, and how many
 * exist. Amounts are integer minor units of the workspace currency.
 */

// Bounded, so sums of amounts (order totals, savings, costs) stay exact.
const minorUnits = minorUnitsAmount;
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 instant like 2026-05-01T00:00:00Z' });
const names = z.array(z.string().trim().min(1).max(200)).max(1_000);

export const couponDiscountSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('amount'), amount: minorUnits.positive('must be more than 0') }),
    z.object({
      type: z.literal('percent'),
      percent: z.number().int('must be a whole percent').min(1).max(100),
      maxAmount: minorUnits.positive('must be more than 0').optional(),
    }),
  ],
  { error: 'must be {type: "amount", amount} or {type: "percent", percent, maxAmount?}' },
);
export type CouponDiscount = z.infer<typeof couponDiscountSchema>;

export const couponApplicabilitySchema = z
  .object({
    /** Only these lines count toward the minimum spend and the discount (by category or product id). */
    categories: z.array(categoryNameSchema).max(1_000).optional(),
    products: names.optional(),
    stores: names.optional(),
    /** Loyalty tier ids whose members may use it. */
    tiers: names.optional(),
  })
  .strict();
export type CouponApplicability = z.infer<typeof couponApplicabilitySchema>;

export const couponValiditySchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({ type: z.literal('fixed'), from: instant, to: instant })
      .refine((validity) => Date.parse(validity.from) < Date.parse(validity.to), {
        path: ['to'],
        message: 'must be after from',
      }),
    z.object({ type: z.literal('afterIssue'), days: z.number().int().min(1).max(3_650) }),
  ],
  { error: 'must be {type: "fixed", from, to} or {type: "afterIssue", days}' },
);
export type CouponValidity = z.infer<typeof couponValiditySchema>;

/** `#` is a digit, `?` a letter; anything else is kept as written. */
export const codePatternSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9#?-]+$/, 'use letters, digits, - and the placeholders # (digit) and ? (letter)')
  .refine((pattern) => [...pattern].filter((character) => character === '#' || character === '?').length >= 6, {
    message: 'needs at least 6 placeholders (# or ?) so codes cannot be guessed',
  });

export const couponCodesSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('generated'), pattern: codePatternSchema }),
    z.object({
      type: z.literal('shared'),
      code: z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9-]{3,64}$/, 'must be 3–64 letters, digits or -'),
    }),
    z.object({ type: z.literal('imported') }),
  ],
  { error: 'must be {type: "generated", pattern}, {type: "shared", code} or {type: "imported"}' },
);
export type CouponCodes = z.infer<typeof couponCodesSchema>;

export const couponTemplateDefinitionSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2_000).optional(),
    discount: couponDiscountSchema,
    minimumSpend: minorUnits.min(0).default(0),
    applicability: couponApplicabilitySchema.default({}),
    validity: couponValiditySchema,
    /** Whether it may share an order with other coupons. */
    stackable: z.boolean().default(false),
    /** Coupons that may ever be issued; absent: no limit. */
    quantity: z.number().int().positive().max(100_000_000).optional(),
    perMemberLimit: z.number().int().positive().max(1_000).default(1),
    /** How long a checkout may hold it before it is free again. */
    reservationMinutes: z.number().int().min(1).max(1_440).default(15),
    costCentre: z.string().trim().min(1).max(200).optional(),
    codes: couponCodesSchema,
  })
  .strict();
export type CouponTemplateDefinition = z.infer<typeof couponTemplateDefinitionSchema>;
