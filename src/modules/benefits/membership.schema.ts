import { z } from 'zod';
import { minorUnitsAmount } from '../../platform/amounts.ts';
import { operationPayloadSchema, readOperation } from '../../platform/processor/operations.ts';

/** Paid membership (like JD PLUS): plans, and each member's subscription, paid by external payment references. */

// Bounded, so sums of amounts (order totals, savings, costs) stay exact.
const minorUnits = minorUnitsAmount;
const reference = z.string().trim().min(1).max(200);

export const planIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be 1–64 lower-case letters, digits or -');
export const planParamsSchema = z.object({ id: planIdSchema });

export const planSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    price: minorUnits.positive('must be more than 0'),
    term: z.enum(['monthly', 'yearly']),
    trialDays: z.number().int().min(1).max(90).optional(),
    benefits: z
      .object({
        /** Shown with the plan; the loyalty program applies its own rules to earning. */
        pointsMultiplier: z.number().min(1).max(10).optional(),
        /** Off the member price of every order: what savings are computed from. */
        memberPriceDiscountPercent: z.number().int().min(1).max(90).optional(),
        freeShipping: z.boolean().default(false),
        /** A coupon issued (collected) to the member at the start of each paid term and trial. */
        couponTemplateId: z.string().min(1).max(100).optional(),
        partnerBenefits: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
        /**
         * Templates of partners' codes (imported codes, e.g. a video service's): one of each is
         * issued, collected, to the member at the start of every paid term.
         */
        partnerCodeTemplateIds: z.array(z.string().min(1).max(100)).max(20).default([]),
      })
      .default({ freeShipping: false, partnerBenefits: [], partnerCodeTemplateIds: [] }),
  })
  .strict();
export type Plan = z.infer<typeof planSchema>;

export const planViewSchema = planSchema.extend({ id: z.string(), createdAt: z.string(), updatedAt: z.string() });
export const planListSchema = z.object({ plans: z.array(planViewSchema) });

export const subscribeBodySchema = z.object({
  planId: planIdSchema,
  paymentReference: reference,
  /** Start with the plan's free trial (once per member); the payment reference then records the sign-up. */
  trial: z.boolean().default(false),
});
export const renewBodySchema = z.object({ paymentReference: reference });
export const refundBodySchema = z.object({ paymentReference: reference });

export const membershipStatusSchema = z.enum(['none', 'trial', 'active', 'cancelled', 'expired', 'refunded']);
export type MembershipStatus = z.infer<typeof membershipStatusSchema>;

const savingsSchema = z.object({
  /** Minor units. */
  amount: z.number().int(),
  orders: z.number().int(),
  from: z.string(),
  to: z.string(),
});

export const membershipViewSchema = z.object({
  memberId: z.string(),
  status: membershipStatusSchema,
  planId: z.string().nullable(),
  periodStart: z.string().nullable(),
  periodEnd: z.string().nullable(),
  cancelAtPeriodEnd: z.boolean(),
  payments: z.array(
    z.object({
      reference: z.string(),
      kind: z.enum(['subscribe', 'trial', 'renew']),
      amount: z.number().int(),
      at: z.string(),
      refundedAt: z.string().nullable(),
    }),
  ),
  /** What the member saved in this term so far (member price discount and the plan's coupons used). */
  savings: savingsSchema.nullable(),
  /**
   * What the member would have saved over the last 12 months with each plan, from their real
   * orders (and the plan's coupon each term), and that less a year of the plan's price.
   */
  wouldSave: z.array(savingsSchema.extend({ planId: z.string(), net: z.number().int() })),
});

const membershipRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('save-plan'), planId: z.string(), plan: planSchema }),
  z.object({
    action: z.literal('subscribe'),
    memberId: z.string(),
    planId: z.string(),
    paymentReference: z.string(),
    trial: z.boolean(),
  }),
  z.object({ action: z.literal('renew'), memberId: z.string(), paymentReference: z.string() }),
  z.object({ action: z.literal('cancel'), memberId: z.string() }),
  z.object({ action: z.literal('refund'), memberId: z.string(), paymentReference: z.string() }),
]);
export type MembershipRequest = z.infer<typeof membershipRequestSchema>;

const membershipOperationSchema = operationPayloadSchema('memberships', membershipRequestSchema);
export type MembershipOperation = z.infer<typeof membershipOperationSchema>;

export function readMembershipOperation(payload: unknown): MembershipOperation | undefined {
  return readOperation(payload, 'memberships', membershipOperationSchema);
}
