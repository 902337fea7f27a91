import type { CouponDiscount, CouponTemplateDefinition, CouponValidity } from './coupon-template.schema.ts';
import type { CouponOrder } from './coupons.schema.ts';

/**
 * The life of one coupon, as pure decisions: issued → collected → reserved → redeemed, or
 * released back, expired, revoked. Refusals are typed results, never thrown.
 */

export type StoredCouponStatus = 'issued' | 'collected' | 'reserved' | 'redeemed' | 'revoked';
export type CouponStatus = StoredCouponStatus | 'expired';

export interface Coupon {
  id: string;
  templateId: string;
  memberId: string;
  code: string;
  status: StoredCouponStatus;
  cohort: string;
  jobId: string | null;
  issuedAt: number;
  collectedAt: number | null;
  validFrom: number;
  validUntil: number;
  orderId: string | null;
  reservedUntil: number | null;
  discount: number | null;
  orderTotal: number | null;
  redeemedAt: number | null;
  revokedAt: number | null;
  revokedReason: string | null;
  eventId: string;
}

export type CouponRefusal =
  | 'expired'
  | 'not_yet_valid'
  | 'revoked'
  | 'already_redeemed'
  | 'reserved_for_another_order'
  | 'not_reserved'
  | 'minimum_spend'
  | 'not_applicable'
  | 'wrong_store'
  | 'wrong_tier'
  | 'not_stackable';

export type Decision<T> = { ok: true; value: T } | { ok: false; refusal: CouponRefusal; message: string };

const day = 86_400_000;

function refuse<T>(refusal: CouponRefusal, message: string): Decision<T> {
  return { ok: false, refusal, message };
}

export function validityWindow(validity: CouponValidity, issuedAt: number): { validFrom: number; validUntil: number } {
  if (validity.type === 'fixed') return { validFrom: Date.parse(validity.from), validUntil: Date.parse(validity.to) };
  return { validFrom: issuedAt, validUntil: issuedAt + validity.days * day };
}

/** A hold lapses by itself at its deadline: the coupon is the member's to use again. */
function reservationLapsed(coupon: Coupon, now: number): boolean {
  return coupon.status === 'reserved' && coupon.reservedUntil !== null && coupon.reservedUntil <= now;
}

export function effectiveStatus(coupon: Coupon, now: number): CouponStatus {
  if (coupon.status === 'redeemed' || coupon.status === 'revoked') return coupon.status;
  if (now >= coupon.validUntil) return 'expired';
  if (reservationLapsed(coupon, now)) return 'collected';
  return coupon.status;
}

/** The part of the order the coupon applies to: matching lines when it names categories or products. */
export function eligibleAmount(definition: CouponTemplateDefinition, order: CouponOrder): number {
  const { categories, products } = definition.applicability;
  if (!categories?.length && !products?.length) return order.total;
  const matching = order.lines.filter(
    (line) =>
      (line.category !== undefined && categories?.includes(line.category)) ||
      (line.productId !== undefined && products?.includes(line.productId)),
  );
  return Math.min(
    order.total,
    matching.reduce((sum, line) => sum + line.amount, 0),
  );
}

export function computeDiscount(discount: CouponDiscount, eligible: number): number {
  if (discount.type === 'amount') return Math.min(discount.amount, eligible);
  const off = Math.floor((eligible * discount.percent) / 100);
  return discount.maxAmount === undefined ? off : Math.min(off, discount.maxAmount);
}

/** Whether the coupon, as it stands, may be used at all now (for `orderId`, if it is held for one). */
export function checkUsable(coupon: Coupon, now: number, orderId: string): Decision<Coupon> {
  const status = effectiveStatus(coupon, now);
  if (status === 'revoked') return refuse('revoked', `the coupon was revoked: ${coupon.revokedReason ?? ''}`.trim());
  if (status === 'redeemed') {
    return coupon.orderId === orderId
      ? { ok: true, value: coupon }
      : refuse('already_redeemed', `the coupon was already redeemed on order ${coupon.orderId ?? ''}`);
  }
  if (status === 'expired')
    return refuse('expired', `the coupon expired at ${new Date(coupon.validUntil).toISOString()}`);
  if (now < coupon.validFrom) {
    return refuse('not_yet_valid', `the coupon is valid from ${new Date(coupon.validFrom).toISOString()}`);
  }
  if (status === 'reserved' && coupon.orderId !== orderId) {
    return refuse('reserved_for_another_order', `the coupon is held for order ${coupon.orderId ?? ''}`);
  }
  return { ok: true, value: coupon };
}

export interface OrderContext {
  order: CouponOrder;
  /** The member's loyalty tier id, if any. */
  tier: string | null;
  /** Other coupons held or used on the same order, with whether their templates stack. */
  others: Array<{ couponId: string; stackable: boolean }>;
}

/** The discount this coupon gives the order, or why it does not apply. */
export function checkOrder(definition: CouponTemplateDefinition, context: OrderContext): Decision<number> {
  const { order, tier, others } = context;
  const { stores, tiers } = definition.applicability;
  if (stores?.length && (order.store === undefined || !stores.includes(order.store))) {
    return refuse('wrong_store', `the coupon is for stores ${stores.join(', ')}`);
  }
  if (tiers?.length && (tier === null || !tiers.includes(tier))) {
    return refuse('wrong_tier', `the coupon is for tiers ${tiers.join(', ')}`);
  }
  if (others.length > 0 && (!definition.stackable || others.some((other) => !other.stackable))) {
    return refuse('not_stackable', 'the order already has a coupon it cannot be combined with');
  }
  const eligible = eligibleAmount(definition, order);
  if (eligible === 0) return refuse('not_applicable', 'no line of the order is one the coupon applies to');
  if (eligible < definition.minimumSpend) {
    return refuse('minimum_spend', `the coupon needs a spend of ${definition.minimumSpend} on applicable items`);
  }
  return { ok: true, value: computeDiscount(definition.discount, eligible) };
}

export function collect(coupon: Coupon, now: number): Decision<Coupon> {
  const usable = checkUsable(coupon, now, '');
  if (!usable.ok && usable.refusal !== 'not_yet_valid' && usable.refusal !== 'reserved_for_another_order') {
    return usable;
  }
  if (coupon.collectedAt !== null) return { ok: true, value: coupon };
  return {
    ok: true,
    value: { ...coupon, status: coupon.status === 'issued' ? 'collected' : coupon.status, collectedAt: now },
  };
}

export function reserve(
  coupon: Coupon,
  definition: CouponTemplateDefinition,
  context: OrderContext,
  now: number,
): Decision<Coupon> {
  const usable = checkUsable(coupon, now, context.order.orderId);
  if (!usable.ok) return usable;
  if (coupon.status === 'redeemed') return { ok: true, value: coupon };
  const discount = checkOrder(definition, context);
  if (!discount.ok) return discount;
  return {
    ok: true,
    value: {
      ...coupon,
      status: 'reserved',
      collectedAt: coupon.collectedAt ?? now,
      orderId: context.order.orderId,
      reservedUntil: Math.min(now + definition.reservationMinutes * 60_000, coupon.validUntil),
      discount: discount.value,
      orderTotal: context.order.total,
    },
  };
}

export function release(coupon: Coupon, orderId: string, now: number): Decision<Coupon> {
  if (coupon.status === 'redeemed')
    return refuse('already_redeemed', `the coupon was redeemed on order ${coupon.orderId ?? ''}`);
  if (coupon.status !== 'reserved' || coupon.orderId !== orderId || reservationLapsed(coupon, now)) {
    return refuse('not_reserved', `the coupon is not held for order ${orderId}`);
  }
  return {
    ok: true,
    value: { ...coupon, status: 'collected', orderId: null, reservedUntil: null, discount: null, orderTotal: null },
  };
}

/**
 * Redeems on an order: with the order's details it is checked and priced here; without them it
 * must be held for that order, and the held price stands. Repeating it for the same order is
 * the same redemption.
 */
export function redeem(
  coupon: Coupon,
  definition: CouponTemplateDefinition,
  orderId: string,
  context: OrderContext | undefined,
  now: number,
): Decision<Coupon> {
  const usable = checkUsable(coupon, now, orderId);
  if (!usable.ok) return usable;
  if (coupon.status === 'redeemed') return { ok: true, value: coupon };
  const held = coupon.status === 'reserved' && coupon.orderId === orderId && !reservationLapsed(coupon, now);
  if (!held && !context) return refuse('not_reserved', `the coupon is not held for order ${orderId}; send the order`);
  let priced = { discount: coupon.discount ?? 0, orderTotal: coupon.orderTotal ?? 0 };
  if (!held && context) {
    const discount = checkOrder(definition, context);
    if (!discount.ok) return discount;
    priced = { discount: discount.value, orderTotal: context.order.total };
  }
  return { ok: true, value: redeemed(coupon, orderId, priced, now) };
}

/** The shop already applied it (an `Order Completed` naming the coupon): only a spent or dead coupon is refused. */
export function redeemFromOrder(
  coupon: Coupon,
  definition: CouponTemplateDefinition,
  order: CouponOrder,
  reportedDiscount: number | undefined,
  now: number,
): Decision<Coupon> {
  const usable = checkUsable(coupon, now, order.orderId);
  // A hold for another checkout does not stop an order that was paid with the coupon.
  if (!usable.ok && usable.refusal !== 'reserved_for_another_order') return usable;
  if (coupon.status === 'redeemed') return { ok: true, value: coupon };
  const held = coupon.status === 'reserved' && coupon.orderId === order.orderId;
  const discount =
    reportedDiscount ??
    (held ? (coupon.discount ?? 0) : computeDiscount(definition.discount, eligibleAmount(definition, order)));
  return { ok: true, value: redeemed(coupon, order.orderId, { discount, orderTotal: order.total }, now) };
}

function redeemed(
  coupon: Coupon,
  orderId: string,
  priced: { discount: number; orderTotal: number },
  now: number,
): Coupon {
  return {
    ...coupon,
    status: 'redeemed',
    collectedAt: coupon.collectedAt ?? now,
    orderId,
    reservedUntil: null,
    discount: priced.discount,
    orderTotal: priced.orderTotal,
    redeemedAt: now,
  };
}

export function revoke(coupon: Coupon, reason: string, now: number): Decision<Coupon> {
  if (coupon.status === 'redeemed')
    return refuse('already_redeemed', `the coupon was redeemed on order ${coupon.orderId ?? ''}`);
  if (coupon.status === 'revoked') return { ok: true, value: coupon };
  return {
    ok: true,
    value: {
      ...coupon,
      status: 'revoked',
      orderId: null,
      reservedUntil: null,
      discount: null,
      orderTotal: null,
      revokedAt: now,
      revokedReason: reason,
    },
  };
}
