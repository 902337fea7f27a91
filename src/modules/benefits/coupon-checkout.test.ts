import { describe, expect, it } from 'vitest';
import { collect, release, reserve } from './coupon-rules.ts';
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
