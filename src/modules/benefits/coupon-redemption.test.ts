import { describe, expect, it } from 'vitest';
import { redeem, redeemFromOrder, revoke } from './coupon-rules.ts';
import {
  minute,
  day,
  now,
  definition,
  coupon,
  order,
  context,
  reserved,
  spent,
  value,
} from './coupon-rules.fixtures.ts';

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
