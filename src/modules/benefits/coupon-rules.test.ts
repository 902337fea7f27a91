import { describe, expect, it } from 'vitest';
import {
  checkOrder,
  checkUsable,
  computeDiscount,
  effectiveStatus,
  eligibleAmount,
  validityWindow,
  type OrderContext,
} from './coupon-rules.ts';
import { minute, day, now, definition, coupon, order, context, reserved, spent } from './coupon-rules.fixtures.ts';

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
