import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  checkOrder,
  checkUsable,
  collect,
  computeDiscount,
  effectiveStatus,
  eligibleAmount,
  redeem,
  redeemFromOrder,
  release,
  reserve,
  revoke,
  validityWindow,
  type Coupon,
  type Decision,
  type OrderContext,
} from './coupon-rules.ts';
import { couponTemplateDefinitionSchema, type CouponTemplateDefinition } from './coupon-template.schema.ts';
import type { CouponOrder } from './coupons.schema.ts';

const minute = 60_000;
const day = 86_400_000;
const now = Date.UTC(2026, 4, 1, 12);

type DefinitionInput = z.input<typeof couponTemplateDefinitionSchema>;

/** A template parsed through the schema, so its defaults apply: 10.00 off, 30 days, not stackable, 15-minute holds. */
function definition(fields: Partial<DefinitionInput> = {}): CouponTemplateDefinition {
  return couponTemplateDefinitionSchema.parse({
    name: 'Ten off',
    discount: { type: 'amount', amount: 1_000 },
    validity: { type: 'afterIssue', days: 30 },
    codes: { type: 'generated', pattern: 'HX-####-????' },
    ...fields,
  });
}

function coupon(fields: Partial<Coupon> = {}): Coupon {
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

function order(fields: Partial<CouponOrder> = {}): CouponOrder {
  return { orderId: 'o1', total: 10_000, lines: [], ...fields };
}

function context(fields: Partial<OrderContext> = {}): OrderContext {
  return { order: order(), tier: null, others: [], ...fields };
}

/** Held for order o1 until 10 minutes from now, priced at 10.00 off 100.00. */
function reserved(fields: Partial<Coupon> = {}): Coupon {
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
function spent(fields: Partial<Coupon> = {}): Coupon {
  return coupon({
    status: 'redeemed',
    orderId: 'o1',
    discount: 1_000,
    orderTotal: 10_000,
    redeemedAt: now - 60 * minute,
    ...fields,
  });
}

function value<T>(decision: Decision<T>): T {
  if (!decision.ok) throw new Error(`expected ok, got ${decision.refusal}: ${decision.message}`);
  return decision.value;
}

describe('validityWindow', () => {
  it('takes a fixed window from its instants, whatever the offset, regardless of when the coupon is issued', () => {
    const validity = { type: 'fixed', from: '2026-05-01T00:00:00Z', to: '2026-06-01T00:00:00+08:00' } as const;
    expect(validityWindow(validity, now)).toEqual({
      validFrom: Date.UTC(2026, 4, 1),
      validUntil: Date.UTC(2026, 4, 31, 16),
    });
    expect(validityWindow(validity, now + 90 * day)).toEqual(validityWindow(validity, now));
  });

  it('starts an afterIssue window at issue and ends it whole days of 86,400,000 ms later', () => {
    expect(validityWindow({ type: 'afterIssue', days: 30 }, now)).toEqual({
      validFrom: now,
      validUntil: now + 2_592_000_000,
    });
    expect(validityWindow({ type: 'afterIssue', days: 1 }, 0)).toEqual({ validFrom: 0, validUntil: 86_400_000 });
  });

  it('builds the same window from a parsed template definition', () => {
    const parsed = definition({ validity: { type: 'afterIssue', days: 7 } });
    expect(validityWindow(parsed.validity, now)).toEqual({ validFrom: now, validUntil: now + 7 * day });
  });
});

describe('effectiveStatus', () => {
  it('keeps the stored status inside the window', () => {
    expect(effectiveStatus(coupon({ status: 'issued' }), now)).toBe('issued');
    expect(effectiveStatus(coupon(), now)).toBe('collected');
    expect(effectiveStatus(reserved(), now)).toBe('reserved');
  });

  it('is expired at exactly validUntil, and not a millisecond before', () => {
    const held = coupon({ validUntil: now });
    expect(effectiveStatus(held, now - 1)).toBe('collected');
    expect(effectiveStatus(held, now)).toBe('expired');
    expect(effectiveStatus(coupon({ status: 'issued', validUntil: now }), now)).toBe('expired');
  });

  it('is expired for a reservation whose window has ended, even if the hold runs later', () => {
    expect(effectiveStatus(reserved({ validUntil: now, reservedUntil: now + minute }), now)).toBe('expired');
  });

  it('reads a reservation that lapsed (at exactly reservedUntil) as collected again', () => {
    const held = reserved({ reservedUntil: now });
    expect(effectiveStatus(held, now - 1)).toBe('reserved');
    expect(effectiveStatus(held, now)).toBe('collected');
    expect(effectiveStatus(held, now + day)).toBe('collected');
  });

  it('keeps a reservation without a deadline reserved', () => {
    expect(effectiveStatus(reserved({ reservedUntil: null }), now + day)).toBe('reserved');
  });

  it('keeps redeemed and revoked coupons so, even after the window', () => {
    expect(effectiveStatus(spent({ validUntil: now - day }), now)).toBe('redeemed');
    expect(effectiveStatus(coupon({ status: 'revoked', validUntil: now - day }), now)).toBe('revoked');
  });

  it('does not call a coupon expired before its window opens', () => {
    expect(effectiveStatus(coupon({ status: 'issued', validFrom: now + day }), now)).toBe('issued');
  });
});

describe('eligibleAmount', () => {
  const lines = [
    { productId: 'p1', category: 'shoes', amount: 1_500 },
    { category: 'shoes', amount: 1_000 },
    { productId: 'p2', category: 'hats', amount: 2_000 },
    { productId: 'p3', amount: 700 },
    { amount: 300 },
  ];

  it('is the whole order total when the coupon names no categories or products', () => {
    expect(eligibleAmount(definition(), order({ total: 10_000, lines }))).toBe(10_000);
    expect(eligibleAmount(definition(), order({ total: 4_200, lines: [] }))).toBe(4_200);
    expect(eligibleAmount(definition({ applicability: { categories: [], products: [] } }), order({ lines }))).toBe(
      10_000,
    );
  });

  it('is the whole total when the coupon only names stores or tiers', () => {
    const limited = definition({ applicability: { stores: ['s1'], tiers: ['gold'] } });
    expect(eligibleAmount(limited, order({ total: 10_000, lines }))).toBe(10_000);
  });

  it('sums the lines in the named categories', () => {
    expect(eligibleAmount(definition({ applicability: { categories: ['shoes'] } }), order({ lines }))).toBe(2_500);
    expect(eligibleAmount(definition({ applicability: { categories: ['hats', 'shoes'] } }), order({ lines }))).toBe(
      4_500,
    );
  });

  it('sums the lines of the named products', () => {
    expect(eligibleAmount(definition({ applicability: { products: ['p2', 'p3'] } }), order({ lines }))).toBe(2_700);
  });

  it('counts a line matching both a category and a product once', () => {
    const both = definition({ applicability: { categories: ['shoes'], products: ['p1', 'p3'] } });
    expect(eligibleAmount(both, order({ lines }))).toBe(1_500 + 1_000 + 700);
  });

  it('is 0 when no line matches, or the order has no lines', () => {
    const onlyBags = definition({ applicability: { categories: ['bags'], products: ['p9'] } });
    expect(eligibleAmount(onlyBags, order({ lines }))).toBe(0);
    expect(eligibleAmount(onlyBags, order({ lines: [] }))).toBe(0);
  });

  it('is never more than the order total', () => {
    const shoes = definition({ applicability: { categories: ['shoes'] } });
    const overLines = [
      { category: 'shoes', amount: 8_000 },
      { category: 'shoes', amount: 4_000 },
    ];
    expect(eligibleAmount(shoes, order({ total: 10_000, lines: overLines }))).toBe(10_000);
  });
});

describe('computeDiscount', () => {
  it('takes a fixed amount off, but never more than the eligible amount', () => {
    expect(computeDiscount({ type: 'amount', amount: 1_000 }, 5_000)).toBe(1_000);
    expect(computeDiscount({ type: 'amount', amount: 1_000 }, 1_000)).toBe(1_000);
    expect(computeDiscount({ type: 'amount', amount: 1_000 }, 600)).toBe(600);
  });

  it('takes a percentage off, rounded down to whole minor units', () => {
    expect(computeDiscount({ type: 'percent', percent: 15 }, 999)).toBe(149);
    expect(computeDiscount({ type: 'percent', percent: 10 }, 1_999)).toBe(199);
    expect(computeDiscount({ type: 'percent', percent: 33 }, 100)).toBe(33);
    expect(computeDiscount({ type: 'percent', percent: 1 }, 99)).toBe(0);
    expect(computeDiscount({ type: 'percent', percent: 100 }, 2_500)).toBe(2_500);
  });

  it('caps a percentage at maxAmount', () => {
    expect(computeDiscount({ type: 'percent', percent: 20, maxAmount: 500 }, 10_000)).toBe(500);
    expect(computeDiscount({ type: 'percent', percent: 20, maxAmount: 500 }, 2_500)).toBe(500);
    expect(computeDiscount({ type: 'percent', percent: 20, maxAmount: 500 }, 2_000)).toBe(400);
  });
});

describe('checkOrder', () => {
  it('prices a coupon with no restrictions on the whole order', () => {
    expect(checkOrder(definition(), context())).toEqual({ ok: true, value: 1_000 });
    const percent = definition({ discount: { type: 'percent', percent: 15, maxAmount: 2_000 } });
    expect(checkOrder(percent, context({ order: order({ total: 9_999 }) }))).toEqual({ ok: true, value: 1_499 });
  });

  it('prices on the applicable lines only, not the total', () => {
    const shoes = definition({
      discount: { type: 'percent', percent: 20 },
      applicability: { categories: ['shoes'] },
    });
    const lines = [
      { category: 'shoes', amount: 3_000 },
      { category: 'hats', amount: 7_000 },
    ];
    expect(checkOrder(shoes, context({ order: order({ lines }) }))).toEqual({ ok: true, value: 600 });
  });

  it('refuses an order in another store, or naming no store, when the coupon names stores', () => {
    const stores = definition({ applicability: { stores: ['s1', 's3'] } });
    expect(checkOrder(stores, context({ order: order({ store: 's2' }) }))).toEqual({
      ok: false,
      refusal: 'wrong_store',
      message: 'the coupon is for stores s1, s3',
    });
    expect(checkOrder(stores, context())).toMatchObject({ ok: false, refusal: 'wrong_store' });
    expect(checkOrder(stores, context({ order: order({ store: 's3' }) }))).toEqual({ ok: true, value: 1_000 });
  });

  it('refuses a member outside the named tiers, or with no tier', () => {
    const gold = definition({ applicability: { tiers: ['gold', 'platinum'] } });
    expect(checkOrder(gold, context({ tier: 'silver' }))).toEqual({
      ok: false,
      refusal: 'wrong_tier',
      message: 'the coupon is for tiers gold, platinum',
    });
    expect(checkOrder(gold, context({ tier: null }))).toMatchObject({ ok: false, refusal: 'wrong_tier' });
    expect(checkOrder(gold, context({ tier: 'gold' }))).toEqual({ ok: true, value: 1_000 });
  });

  it('refuses to join an order with another coupon when this coupon does not stack', () => {
    expect(checkOrder(definition(), context({ others: [{ couponId: 'c2', stackable: true }] }))).toEqual({
      ok: false,
      refusal: 'not_stackable',
      message: 'the order already has a coupon it cannot be combined with',
    });
  });

  it('refuses a stackable coupon when another coupon on the order does not stack', () => {
    const stackable = definition({ stackable: true });
    const others = [
      { couponId: 'c2', stackable: true },
      { couponId: 'c3', stackable: false },
    ];
    expect(checkOrder(stackable, context({ others }))).toMatchObject({ ok: false, refusal: 'not_stackable' });
  });

  it('lets stackable coupons share an order, and any coupon have an order to itself', () => {
    const stackable = definition({ stackable: true });
    expect(checkOrder(stackable, context({ others: [{ couponId: 'c2', stackable: true }] }))).toEqual({
      ok: true,
      value: 1_000,
    });
    expect(checkOrder(stackable, context())).toEqual({ ok: true, value: 1_000 });
    expect(checkOrder(definition(), context())).toEqual({ ok: true, value: 1_000 });
  });

  it('refuses an order with no line the coupon applies to', () => {
    const shoes = definition({ applicability: { categories: ['shoes'] } });
    const refusal = {
      ok: false,
      refusal: 'not_applicable',
      message: 'no line of the order is one the coupon applies to',
    };
    expect(checkOrder(shoes, context({ order: order({ lines: [{ category: 'hats', amount: 5_000 }] }) }))).toEqual(
      refusal,
    );
    expect(checkOrder(shoes, context())).toEqual(refusal);
    expect(checkOrder(shoes, context({ order: order({ lines: [{ category: 'shoes', amount: 0 }] }) }))).toEqual(
      refusal,
    );
  });

  it('refuses an applicable spend one below the minimum, and accepts one equal to it', () => {
    const minimum = definition({ minimumSpend: 5_000, applicability: { categories: ['shoes'] } });
    const spend = (amount: number): OrderContext =>
      context({
        order: order({
          total: 20_000,
          lines: [
            { category: 'shoes', amount },
            { category: 'hats', amount: 20_000 - amount },
          ],
        }),
      });
    expect(checkOrder(minimum, spend(4_999))).toEqual({
      ok: false,
      refusal: 'minimum_spend',
      message: 'the coupon needs a spend of 5000 on applicable items',
    });
    expect(checkOrder(minimum, spend(5_000))).toEqual({ ok: true, value: 1_000 });
  });

  it('checks the minimum spend against the whole total when nothing narrows it', () => {
    const minimum = definition({ minimumSpend: 10_000 });
    expect(checkOrder(minimum, context({ order: order({ total: 9_999 }) }))).toMatchObject({
      ok: false,
      refusal: 'minimum_spend',
    });
    expect(checkOrder(minimum, context({ order: order({ total: 10_000 }) }))).toEqual({ ok: true, value: 1_000 });
  });

  it('reports the store first, then the tier, then stacking, then applicability', () => {
    const strict = definition({
      minimumSpend: 50_000,
      applicability: { stores: ['s1'], tiers: ['gold'], products: ['p1'] },
    });
    const others = [{ couponId: 'c2', stackable: true }];
    const everything = context({ order: order({ store: 's2' }), tier: 'silver', others });
    expect(checkOrder(strict, everything)).toMatchObject({ refusal: 'wrong_store' });
    expect(checkOrder(strict, { ...everything, order: order({ store: 's1' }) })).toMatchObject({
      refusal: 'wrong_tier',
    });
    expect(checkOrder(strict, { ...everything, order: order({ store: 's1' }), tier: 'gold' })).toMatchObject({
      refusal: 'not_stackable',
    });
    expect(checkOrder(strict, { order: order({ store: 's1' }), tier: 'gold', others: [] })).toMatchObject({
      refusal: 'not_applicable',
    });
  });
});

describe('checkUsable', () => {
  it('passes a collected coupon inside its window', () => {
    const held = coupon();
    expect(checkUsable(held, now, 'o1')).toEqual({ ok: true, value: held });
  });

  it('refuses a coupon before its window opens, and passes it from exactly validFrom', () => {
    const early = coupon({ validFrom: now + minute });
    expect(checkUsable(early, now, 'o1')).toEqual({
      ok: false,
      refusal: 'not_yet_valid',
      message: 'the coupon is valid from 2026-05-01T12:01:00.000Z',
    });
    expect(checkUsable(early, now + minute, 'o1')).toEqual({ ok: true, value: early });
  });

  it('names the revocation reason, and leaves no trailing space without one', () => {
    expect(checkUsable(coupon({ status: 'revoked', revokedReason: 'fraud' }), now, 'o1')).toEqual({
      ok: false,
      refusal: 'revoked',
      message: 'the coupon was revoked: fraud',
    });
    expect(checkUsable(coupon({ status: 'revoked' }), now, 'o1')).toMatchObject({
      message: 'the coupon was revoked:',
    });
  });
});

describe('collect', () => {
  it('moves an issued coupon to collected, stamped now, changing nothing else', () => {
    const issued = coupon({ status: 'issued', collectedAt: null });
    expect(collect(issued, now)).toEqual({ ok: true, value: { ...issued, status: 'collected', collectedAt: now } });
  });

  it('returns a coupon already collected unchanged, as the same object', () => {
    const held = coupon();
    const decision = collect(held, now);
    expect(value(decision)).toBe(held);
  });

  it('collects a coupon whose window has not opened yet', () => {
    const early = coupon({ status: 'issued', collectedAt: null, validFrom: now + day });
    expect(value(collect(early, now))).toMatchObject({ status: 'collected', collectedAt: now });
  });

  it('leaves a reserved coupon as it is', () => {
    const held = reserved();
    expect(value(collect(held, now))).toBe(held);
  });

  it('refuses an expired coupon, from exactly validUntil', () => {
    const last = coupon({ status: 'issued', collectedAt: null, validUntil: now });
    expect(collect(last, now)).toEqual({
      ok: false,
      refusal: 'expired',
      message: 'the coupon expired at 2026-05-01T12:00:00.000Z',
    });
    expect(value(collect(last, now - 1))).toMatchObject({ status: 'collected' });
  });

  it('refuses a revoked or redeemed coupon', () => {
    expect(collect(coupon({ status: 'revoked', revokedReason: 'fraud' }), now)).toMatchObject({
      ok: false,
      refusal: 'revoked',
    });
    expect(collect(spent(), now)).toEqual({
      ok: false,
      refusal: 'already_redeemed',
      message: 'the coupon was already redeemed on order o1',
    });
  });
});

describe('reserve', () => {
  it('holds a collected coupon for the order for reservationMinutes, priced on the order', () => {
    const held = coupon();
    expect(reserve(held, definition(), context(), now)).toEqual({
      ok: true,
      value: {
        ...held,
        status: 'reserved',
        orderId: 'o1',
        reservedUntil: now + 15 * minute,
        discount: 1_000,
        orderTotal: 10_000,
      },
    });
  });

  it('stamps an issued coupon collected as it holds it', () => {
    const issued = coupon({ status: 'issued', collectedAt: null });
    expect(value(reserve(issued, definition(), context(), now))).toMatchObject({
      status: 'reserved',
      collectedAt: now,
    });
  });

  it('ends the hold at validUntil when the window closes sooner than reservationMinutes', () => {
    const closing = coupon({ validUntil: now + 10 * minute });
    expect(value(reserve(closing, definition({ reservationMinutes: 60 }), context(), now)).reservedUntil).toBe(
      now + 10 * minute,
    );
    const exact = coupon({ validUntil: now + 60 * minute });
    expect(value(reserve(exact, definition({ reservationMinutes: 60 }), context(), now)).reservedUntil).toBe(
      now + 60 * minute,
    );
    const later = coupon({ validUntil: now + 61 * minute });
    expect(value(reserve(later, definition({ reservationMinutes: 60 }), context(), now)).reservedUntil).toBe(
      now + 60 * minute,
    );
  });

  it('holds again for the same order, with a fresh deadline and price', () => {
    const held = reserved({ reservedUntil: now + minute });
    const bigger = context({ order: order({ total: 20_000 }) });
    const percent = definition({ discount: { type: 'percent', percent: 10 } });
    expect(value(reserve(held, percent, bigger, now))).toMatchObject({
      status: 'reserved',
      orderId: 'o1',
      reservedUntil: now + 15 * minute,
      discount: 2_000,
      orderTotal: 20_000,
    });
  });

  it('refuses a coupon held for another order', () => {
    expect(reserve(reserved({ orderId: 'o2' }), definition(), context(), now)).toEqual({
      ok: false,
      refusal: 'reserved_for_another_order',
      message: 'the coupon is held for order o2',
    });
  });

  it('takes over a coupon whose hold for another order has lapsed', () => {
    const lapsed = reserved({ orderId: 'o2', reservedUntil: now });
    expect(value(reserve(lapsed, definition(), context(), now))).toMatchObject({
      status: 'reserved',
      orderId: 'o1',
      reservedUntil: now + 15 * minute,
    });
  });

  it('returns a coupon redeemed on the same order unchanged, and refuses one redeemed on another', () => {
    const used = spent();
    expect(value(reserve(used, definition(), context(), now))).toBe(used);
    expect(reserve(spent({ orderId: 'o2' }), definition(), context(), now)).toEqual({
      ok: false,
      refusal: 'already_redeemed',
      message: 'the coupon was already redeemed on order o2',
    });
  });

  it('refuses an expired, revoked or not yet valid coupon', () => {
    expect(reserve(coupon({ validUntil: now }), definition(), context(), now)).toMatchObject({ refusal: 'expired' });
    expect(reserve(coupon({ status: 'revoked' }), definition(), context(), now)).toMatchObject({ refusal: 'revoked' });
    expect(reserve(coupon({ validFrom: now + 1 }), definition(), context(), now)).toMatchObject({
      refusal: 'not_yet_valid',
    });
  });

  it('passes on the order’s refusal', () => {
    const minimum = definition({ minimumSpend: 10_001 });
    expect(reserve(coupon(), minimum, context(), now)).toEqual({
      ok: false,
      refusal: 'minimum_spend',
      message: 'the coupon needs a spend of 10001 on applicable items',
    });
    expect(
      reserve(coupon(), definition(), context({ others: [{ couponId: 'c2', stackable: true }] }), now),
    ).toMatchObject({
      refusal: 'not_stackable',
    });
  });
});

describe('release', () => {
  it('frees a coupon held for the order back to collected, clearing the hold and its price', () => {
    const held = reserved();
    expect(release(held, 'o1', now)).toEqual({
      ok: true,
      value: { ...held, status: 'collected', orderId: null, reservedUntil: null, discount: null, orderTotal: null },
    });
  });

  it('refuses to free a coupon held for another order, or not held at all', () => {
    expect(release(reserved({ orderId: 'o2' }), 'o1', now)).toEqual({
      ok: false,
      refusal: 'not_reserved',
      message: 'the coupon is not held for order o1',
    });
    expect(release(coupon(), 'o1', now)).toMatchObject({ ok: false, refusal: 'not_reserved' });
    expect(release(coupon({ status: 'revoked' }), 'o1', now)).toMatchObject({ ok: false, refusal: 'not_reserved' });
  });

  it('refuses to free a hold that lapsed, from exactly reservedUntil', () => {
    const held = reserved({ reservedUntil: now });
    expect(release(held, 'o1', now)).toMatchObject({ ok: false, refusal: 'not_reserved' });
    expect(value(release(held, 'o1', now - 1))).toMatchObject({ status: 'collected' });
  });

  it('refuses to free a redeemed coupon', () => {
    expect(release(spent(), 'o1', now)).toEqual({
      ok: false,
      refusal: 'already_redeemed',
      message: 'the coupon was redeemed on order o1',
    });
  });
});

describe('redeem', () => {
  it('redeems a coupon held for the order at the held price, without the order', () => {
    const held = reserved({ discount: 750, orderTotal: 8_000 });
    expect(redeem(held, definition(), 'o1', undefined, now)).toEqual({
      ok: true,
      value: {
        ...held,
        status: 'redeemed',
        orderId: 'o1',
        reservedUntil: null,
        discount: 750,
        orderTotal: 8_000,
        redeemedAt: now,
      },
    });
  });

  it('refuses without the order when the coupon is not held for it', () => {
    expect(redeem(coupon(), definition(), 'o1', undefined, now)).toEqual({
      ok: false,
      refusal: 'not_reserved',
      message: 'the coupon is not held for order o1; send the order',
    });
  });

  it('refuses without the order when its hold for that order has lapsed', () => {
    const lapsed = reserved({ reservedUntil: now });
    expect(redeem(lapsed, definition(), 'o1', undefined, now)).toMatchObject({ ok: false, refusal: 'not_reserved' });
  });

  it('checks and prices a collected coupon on the order sent', () => {
    const held = coupon();
    const percent = definition({ discount: { type: 'percent', percent: 15 } });
    const sent = context({ order: order({ total: 9_999 }) });
    expect(redeem(held, percent, 'o1', sent, now)).toEqual({
      ok: true,
      value: {
        ...held,
        status: 'redeemed',
        orderId: 'o1',
        reservedUntil: null,
        discount: 1_499,
        orderTotal: 9_999,
        redeemedAt: now,
      },
    });
  });

  it('stamps an issued coupon collected as it redeems it', () => {
    const issued = coupon({ status: 'issued', collectedAt: null });
    expect(value(redeem(issued, definition(), 'o1', context(), now))).toMatchObject({
      status: 'redeemed',
      collectedAt: now,
      redeemedAt: now,
    });
  });

  it('redeems a coupon whose hold for another order lapsed, when the order is sent', () => {
    const lapsed = reserved({ orderId: 'o2', reservedUntil: now - 1, discount: 500, orderTotal: 5_000 });
    const sent = context({ order: order({ orderId: 'o1', total: 3_000 }) });
    expect(value(redeem(lapsed, definition(), 'o1', sent, now))).toMatchObject({
      status: 'redeemed',
      orderId: 'o1',
      reservedUntil: null,
      discount: 1_000,
      orderTotal: 3_000,
      redeemedAt: now,
    });
  });

  it('prices anew on the order sent when its own hold has lapsed', () => {
    const lapsed = reserved({ reservedUntil: now, discount: 500, orderTotal: 5_000 });
    expect(value(redeem(lapsed, definition(), 'o1', context({ order: order({ total: 700 }) }), now))).toMatchObject({
      status: 'redeemed',
      discount: 700,
      orderTotal: 700,
    });
  });

  it('refuses a coupon held for another order, with or without the order', () => {
    const other = reserved({ orderId: 'o2' });
    const refusal = {
      ok: false,
      refusal: 'reserved_for_another_order',
      message: 'the coupon is held for order o2',
    };
    expect(redeem(other, definition(), 'o1', undefined, now)).toEqual(refusal);
    expect(redeem(other, definition(), 'o1', context(), now)).toEqual(refusal);
  });

  it('is the same redemption when repeated for the same order: the same coupon comes back', () => {
    const used = spent();
    expect(value(redeem(used, definition(), 'o1', undefined, now))).toBe(used);
    expect(value(redeem(used, definition(), 'o1', context({ order: order({ total: 1 }) }), now))).toBe(used);
  });

  it('is idempotent end to end: redeeming the redeemed coupon again changes nothing', () => {
    const once = value(redeem(coupon(), definition(), 'o1', context(), now));
    expect(value(redeem(once, definition(), 'o1', context(), now + minute))).toBe(once);
  });

  it('refuses a coupon already redeemed on another order', () => {
    expect(redeem(spent({ orderId: 'o2' }), definition(), 'o1', context(), now)).toEqual({
      ok: false,
      refusal: 'already_redeemed',
      message: 'the coupon was already redeemed on order o2',
    });
  });

  it('refuses a held coupon once its window has closed', () => {
    expect(redeem(reserved({ validUntil: now }), definition(), 'o1', undefined, now)).toMatchObject({
      ok: false,
      refusal: 'expired',
    });
  });

  it('refuses a revoked coupon', () => {
    expect(redeem(coupon({ status: 'revoked', revokedReason: 'lost' }), definition(), 'o1', context(), now)).toEqual({
      ok: false,
      refusal: 'revoked',
      message: 'the coupon was revoked: lost',
    });
  });

  it('passes on the order’s refusal when it prices the order', () => {
    const gold = definition({ applicability: { tiers: ['gold'] } });
    expect(redeem(coupon(), gold, 'o1', context({ tier: 'silver' }), now)).toMatchObject({
      ok: false,
      refusal: 'wrong_tier',
    });
  });
});

describe('redeemFromOrder', () => {
  it('redeems a collected coupon, pricing it on the order when the shop reports no discount', () => {
    const held = coupon();
    const percent = definition({ discount: { type: 'percent', percent: 10 }, applicability: { products: ['p1'] } });
    const completed = order({
      total: 10_000,
      lines: [
        { productId: 'p1', amount: 4_321 },
        { productId: 'p2', amount: 5_679 },
      ],
    });
    expect(redeemFromOrder(held, percent, completed, undefined, now)).toEqual({
      ok: true,
      value: {
        ...held,
        status: 'redeemed',
        orderId: 'o1',
        reservedUntil: null,
        discount: 432,
        orderTotal: 10_000,
        redeemedAt: now,
      },
    });
  });

  it('takes the discount the shop reports, even 0', () => {
    expect(value(redeemFromOrder(coupon(), definition(), order(), 1_234, now)).discount).toBe(1_234);
    expect(value(redeemFromOrder(coupon(), definition(), order(), 0, now)).discount).toBe(0);
  });

  it('keeps the held price for a coupon held for the order, unless the shop reports one', () => {
    const held = reserved({ discount: 750, orderTotal: 8_000 });
    expect(value(redeemFromOrder(held, definition(), order({ total: 12_000 }), undefined, now))).toMatchObject({
      status: 'redeemed',
      orderId: 'o1',
      reservedUntil: null,
      discount: 750,
      orderTotal: 12_000,
    });
    expect(value(redeemFromOrder(held, definition(), order(), 900, now)).discount).toBe(900);
  });

  it('does not second-guess the shop on minimum spend, store or stacking', () => {
    const strict = definition({ minimumSpend: 50_000, applicability: { stores: ['s1'] } });
    expect(value(redeemFromOrder(coupon(), strict, order({ store: 's2', total: 600 }), undefined, now))).toMatchObject({
      status: 'redeemed',
      discount: 600,
      orderTotal: 600,
    });
  });

  it('stamps an issued coupon collected as it redeems it', () => {
    const issued = coupon({ status: 'issued', collectedAt: null });
    expect(value(redeemFromOrder(issued, definition(), order(), undefined, now))).toMatchObject({
      status: 'redeemed',
      collectedAt: now,
      redeemedAt: now,
    });
  });

  it('returns a coupon redeemed on the same order unchanged, and refuses one redeemed on another', () => {
    const used = spent();
    expect(value(redeemFromOrder(used, definition(), order(), 5, now))).toBe(used);
    expect(redeemFromOrder(spent({ orderId: 'o2' }), definition(), order(), undefined, now)).toMatchObject({
      ok: false,
      refusal: 'already_redeemed',
    });
  });

  it('refuses an expired or revoked coupon', () => {
    expect(redeemFromOrder(coupon({ validUntil: now }), definition(), order(), undefined, now)).toMatchObject({
      ok: false,
      refusal: 'expired',
    });
    expect(redeemFromOrder(coupon({ status: 'revoked' }), definition(), order(), undefined, now)).toMatchObject({
      ok: false,
      refusal: 'revoked',
    });
  });

  it('redeems a coupon whose hold for another order lapsed, pricing it on this order', () => {
    const lapsed = reserved({ orderId: 'o2', reservedUntil: now, discount: 500 });
    expect(value(redeemFromOrder(lapsed, definition(), order({ total: 800 }), undefined, now))).toMatchObject({
      status: 'redeemed',
      orderId: 'o1',
      discount: 800,
      orderTotal: 800,
    });
  });

  // The documented contract is "only a spent or dead coupon is refused": a live hold for another
  // checkout is neither, and the shop has already given the discount on this completed order.
  // Today checkUsable refuses it with reserved_for_another_order, the order event is dropped, and
  // the coupon stays reservable and redeemable on the other order.
  it('redeems a coupon still held for another checkout, since the shop already applied it here', () => {
    const other = reserved({ orderId: 'o2', reservedUntil: now + 10 * minute });
    expect(value(redeemFromOrder(other, definition(), order({ total: 800 }), undefined, now))).toMatchObject({
      status: 'redeemed',
      orderId: 'o1',
      reservedUntil: null,
      discount: 800,
      orderTotal: 800,
    });
  });
});

describe('revoke', () => {
  it('revokes a collected coupon with the reason and time', () => {
    const held = coupon();
    expect(revoke(held, 'fraud', now)).toEqual({
      ok: true,
      value: { ...held, status: 'revoked', orderId: null, reservedUntil: null, revokedAt: now, revokedReason: 'fraud' },
    });
  });

  it('revokes a reserved coupon, dropping its hold', () => {
    expect(value(revoke(reserved(), 'fraud', now))).toMatchObject({
      status: 'revoked',
      orderId: null,
      reservedUntil: null,
      revokedAt: now,
      revokedReason: 'fraud',
    });
  });

  it('revokes an issued or expired coupon', () => {
    expect(value(revoke(coupon({ status: 'issued', collectedAt: null }), 'oops', now))).toMatchObject({
      status: 'revoked',
      collectedAt: null,
    });
    expect(value(revoke(coupon({ validUntil: now - day }), 'cleanup', now))).toMatchObject({ status: 'revoked' });
  });

  it('returns a revoked coupon unchanged, keeping the first reason and time', () => {
    const gone = coupon({ status: 'revoked', revokedAt: now - day, revokedReason: 'fraud' });
    expect(value(revoke(gone, 'again', now))).toBe(gone);
  });

  it('refuses to revoke a redeemed coupon', () => {
    expect(revoke(spent(), 'fraud', now)).toEqual({
      ok: false,
      refusal: 'already_redeemed',
      message: 'the coupon was redeemed on order o1',
    });
  });
});
