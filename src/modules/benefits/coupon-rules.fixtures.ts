import type { z } from 'zod';
import type { Coupon, Decision, OrderContext } from './coupon-rules.ts';
import { couponTemplateDefinitionSchema, type CouponTemplateDefinition } from './coupon-template.schema.ts';
import type { CouponOrder } from './coupons.schema.ts';

/** Coupons, templates and orders for the coupon rules' tests: defaults a test overrides field by field. */

export const minute = 60_000;
export const day = 86_400_000;
export const now = Date.UTC(2026, 4, 1, 12);

type DefinitionInput = z.input<typeof couponTemplateDefinitionSchema>;

/** A template parsed through the schema, so its defaults apply: 10.00 off, 30 days, not stackable, 15-minute holds. */
export function definition(fields: Partial<DefinitionInput> = {}): CouponTemplateDefinition {
  return couponTemplateDefinitionSchema.parse({
    name: 'Ten off',
    discount: { type: 'amount', amount: 1_000 },
    validity: { type: 'afterIssue', days: 30 },
    codes: { type: 'generated', pattern: 'HX-####-????' },
    ...fields,
  });
}

export function coupon(fields: Partial<Coupon> = {}): Coupon {
  return {
    id: 'c1',
    templateId: 't1',
    memberId: 'm1',
    code: 'HX-1234-ABCD',
    status: 'collected',
    cohort: 'default',
    jobId: null,
    issuedAt: now - day,
    collectedAt: now - day,
    validFrom: now - day,
    validUntil: now + 29 * day,
    orderId: null,
    reservedUntil: null,
    discount: null,
    orderTotal: null,
    redeemedAt: null,
    revokedAt: null,
    revokedReason: null,
    eventId: 'e1',
    ...fields,
  };
}

export function order(fields: Partial<CouponOrder> = {}): CouponOrder {
  return { orderId: 'o1', total: 10_000, lines: [], ...fields };
}

export function context(fields: Partial<OrderContext> = {}): OrderContext {
  return { order: order(), tier: null, others: [], ...fields };
}

/** Held for order o1 until 10 minutes from now, priced at 10.00 off 100.00. */
export function reserved(fields: Partial<Coupon> = {}): Coupon {
  return coupon({
    status: 'reserved',
    orderId: 'o1',
    reservedUntil: now + 10 * minute,
    discount: 1_000,
    orderTotal: 10_000,
    ...fields,
  });
}

/** Redeemed on order o1 an hour ago. */
export function spent(fields: Partial<Coupon> = {}): Coupon {
  return coupon({
    status: 'redeemed',
    orderId: 'o1',
    discount: 1_000,
    orderTotal: 10_000,
    redeemedAt: now - 60 * minute,
    ...fields,
  });
}

export function value<T>(decision: Decision<T>): T {
  if (!decision.ok) throw new Error(`expected ok, got ${decision.refusal}: ${decision.message}`);
  return decision.value;
}
