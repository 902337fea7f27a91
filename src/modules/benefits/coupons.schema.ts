import { z } from 'zod';
import { pageCursorSchema } from '../../platform/page-cursor.ts';
import { minorUnitsAmount } from '../../platform/amounts.ts';
import { couponTemplateDefinitionSchema } from './coupon-template.schema.ts';
import { categoryNameSchema } from '../profiles/profiles.schema.ts';

/** Shapes of the coupons API; the template document itself is in coupon-template.schema.ts. */

export { memberParamsSchema } from '../profiles/profiles.schema.ts';

const instant = z.string().describe('ISO-8601 instant');
// Bounded, so sums of amounts (order totals, savings, costs) stay exact.
const minorUnits = minorUnitsAmount;
const identifier = z.string().trim().min(1).max(200);

export const couponOrderSchema = z.object({
  orderId: identifier,
  /** Before this coupon, minor units. */
  total: minorUnits.positive('must be more than 0'),
  lines: z
    .array(
      z.object({
        productId: identifier.optional(),
        category: categoryNameSchema.optional(),
        /** Price × quantity, minor units. */
        amount: minorUnits.min(0),
      }),
    )
    .max(1_000)
    .default([]),
  store: identifier.optional(),
});
export type CouponOrder = z.infer<typeof couponOrderSchema>;
export type CouponOrderLine = CouponOrder['lines'][number];

export const templateParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const couponParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const jobParamsSchema = z.object({ id: z.string().min(1).max(100) });

export const couponTemplateSchema = couponTemplateDefinitionSchema.extend({
  id: z.string(),
  issued: z.number().int(),
  /** Coupons that may still be issued; null without a quantity. */
  remaining: z.number().int().nullable(),
  /** Pool codes not yet handed out (generated or imported templates). */
  codesAvailable: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
});
export const couponTemplateListSchema = z.object({ templates: z.array(couponTemplateSchema) });

export const generateCodesBodySchema = z.object({
  count: z.number().int().min(1).max(5_000_000),
});
export const importCodesBodySchema = z.object({
  codes: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9-]{3,64}$/, 'must be 3–64 letters, digits or -'),
    )
    .min(1)
    .max(20_000, 'at most 20,000 codes per request'),
});
export const codesAddedSchema = z.object({
  templateId: z.string(),
  added: z.number().int(),
  /** Codes already in the workspace's pools, left out. */
  duplicates: z.number().int(),
  codesAvailable: z.number().int(),
});
export const codesExportQuerySchema = z.object({ format: z.enum(['csv']).default('csv') });

export const issueBodySchema = z
  .object({
    memberId: identifier.optional(),
    memberIds: z
      .array(identifier)
      .min(1)
      .max(20_000, 'at most 20,000 per request; issue to a segment for more')
      .optional(),
    segmentId: identifier.optional(),
    /** A label to compare issues by in the report (e.g. targeted vs control). */
    cohort: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9 _.-]{1,64}$/, 'must be 1–64 letters, digits, space or . _ -')
      .default('default'),
  })
  .refine(
    (body) => [body.memberId, body.memberIds, body.segmentId].filter((target) => target !== undefined).length === 1,
    { message: 'name exactly one of memberId, memberIds, segmentId', path: ['memberId'] },
  );
export type IssueBody = z.infer<typeof issueBodySchema>;

export const couponStatusSchema = z.enum(['issued', 'collected', 'reserved', 'redeemed', 'expired', 'revoked']);

export const couponSchema = z.object({
  id: z.string(),
  templateId: z.string(),
  memberId: z.string(),
  code: z.string(),
  status: couponStatusSchema,
  cohort: z.string(),
  jobId: z.string().nullable(),
  issuedAt: instant,
  collectedAt: instant.nullable(),
  validFrom: instant,
  validUntil: instant,
  orderId: z.string().nullable(),
  reservedUntil: instant.nullable(),
  discount: z.number().int().nullable(),
  orderTotal: z.number().int().nullable(),
  redeemedAt: instant.nullable(),
  revokedAt: instant.nullable(),
  revokedReason: z.string().nullable(),
});
export type CouponView = z.infer<typeof couponSchema>;

export const couponJobSchema = z.object({
  id: z.string(),
  templateId: z.string(),
  target: z.string(),
  cohort: z.string(),
  total: z.number().int(),
  processed: z.number().int(),
  issued: z.number().int(),
  skipped: z.record(z.string(), z.number().int()),
  done: z.boolean(),
  createdAt: instant,
  updatedAt: instant,
});
export type CouponJob = z.infer<typeof couponJobSchema>;

export const issueAnswerSchema = z.union([z.object({ coupon: couponSchema }), z.object({ job: couponJobSchema })]);

export const memberCouponsQuerySchema = z.object({
  status: couponStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: pageCursorSchema,
});
export const memberCouponsSchema = z.object({
  memberId: z.string(),
  coupons: z.array(couponSchema),
  nextCursor: z.string().nullable(),
});

export const claimBodySchema = z.object({ code: z.string().trim().min(3).max(64) });
export const reserveBodySchema = z.object({ order: couponOrderSchema });
export const redeemBodySchema = z
  .object({ orderId: identifier.optional(), order: couponOrderSchema.optional() })
  .refine((body) => body.orderId !== undefined || body.order !== undefined, {
    message: 'name the order: orderId for a held coupon, or the order itself',
    path: ['orderId'],
  })
  .refine((body) => !body.order || !body.orderId || body.orderId === body.order.orderId, {
    message: 'must match order.orderId',
    path: ['orderId'],
  });
export const releaseBodySchema = z.object({ orderId: identifier });
export const revokeBodySchema = z.object({ reason: z.string().trim().min(1).max(500) });

const reportFigures = z.object({
  issued: z.number().int(),
  collected: z.number().int(),
  redeemed: z.number().int(),
  expired: z.number().int(),
  revoked: z.number().int(),
  /** Collected (or used) over issued; null before any issue. */
  collectionRate: z.number().nullable(),
  /** Redeemed over issued. */
  redemptionRate: z.number().nullable(),
  /** What the redemptions took off, minor units. */
  discountCost: z.number().int(),
  /** Totals of the orders they were redeemed on, minor units. */
  attributedRevenue: z.number().int(),
});
export type CouponReportFigures = z.infer<typeof reportFigures>;

export const couponReportSchema = reportFigures.extend({
  templateId: z.string(),
  currency: z.string(),
  costCentre: z.string().nullable(),
  /** The same figures per issue cohort, to compare a targeted issue with a control. */
  cohorts: z.array(reportFigures.extend({ cohort: z.string() })),
});
export type CouponReport = z.infer<typeof couponReportSchema>;
