import { describe, expect, it } from 'vitest';
import { applyOrderEvent, currencyDigits, parseOrderEvent, toMinorUnits, type OrderState } from './orders.ts';

const context = { memberId: 'mem_1', eventId: 'evt_1', eventTime: 1_000, workspaceCurrency: 'CNY' };

function completed(orderId: string, total: number, currency = 'CNY') {
  return { kind: 'completed' as const, orderId, amount: total, currency, categorySpend: {} };
}

function refunded(orderId: string, amount: number | null, currency = 'CNY') {
  return { kind: 'refunded' as const, orderId, amount, currency, categorySpend: {} };
}

describe('minor units', () => {
  it('uses the digits of each currency', () => {
    expect(currencyDigits('CNY')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
    expect(toMinorUnits(199.99, 'CNY')).toBe(19999);
    expect(toMinorUnits(0.1 + 0.2, 'USD')).toBe(30);
    expect(toMinorUnits(1200, 'JPY')).toBe(1200);
    expect(toMinorUnits(1200.4, 'JPY')).toBe(1200);
    expect(toMinorUnits(1.2345, 'KWD')).toBe(1235);
  });
});

describe('parseOrderEvent', () => {
  it('reads total, currency and category spend from products', () => {
    const parsed = parseOrderEvent(
      'Order Completed',
      {
        properties: {
          order_id: 'o-1',
          total: '199.99',
          currency: 'cny',
          products: [
            { product_id: 'p1', category: 'formula', price: 99.99, quantity: 1 },
            { product_id: 'p2', category: 'diapers', price: '50', quantity: 2 },
            { product_id: 'p3', category: 'formula', price: 0.5 },
            { product_id: 'p4', price: 5 },
          ],
        },
      },
      'CNY',
    );
    expect(parsed).toEqual({
      kind: 'completed',
      orderId: 'o-1',
      amount: 19999,
      currency: 'CNY',
      categorySpend: { formula: 10049, diapers: 10000 },
    });
  });

  it('falls back to revenue, then to the sum of products, then to zero', () => {
    const props = (properties: Record<string, unknown>) => parseOrderEvent('Order Completed', { properties }, 'CNY');
    expect(props({ order_id: 'o', revenue: 88.8 })?.amount).toBe(8880);
    expect(props({ order_id: 'o', products: [{ price: 10, quantity: 3 }, { price: 2.5 }] })?.amount).toBe(3250);
    expect(props({ order_id: 'o' })?.amount).toBe(0);
  });

  it('reads yen without fraction digits and takes the workspace currency when none is given', () => {
    expect(parseOrderEvent('Order Completed', { properties: { orderId: 7, total: 1200 } }, 'JPY')).toEqual({
      kind: 'completed',
      orderId: '7',
      amount: 1200,
      currency: 'JPY',
      categorySpend: {},
    });
  });

  it('leaves a refund without an amount as null (a full refund)', () => {
    expect(parseOrderEvent('Order Refunded', { properties: { order_id: 'o-1' } }, 'CNY')?.amount).toBeNull();
    expect(parseOrderEvent('Order Refunded', { properties: { order_id: 'o-1', total: '20' } }, 'CNY')?.amount).toBe(
      2000,
    );
  });

  it('ignores other events and orders without an id', () => {
    expect(parseOrderEvent('Product Viewed', { properties: { order_id: 'o-1' } }, 'CNY')).toBeUndefined();
    expect(parseOrderEvent('Order Completed', { properties: { total: 10 } }, 'CNY')).toBeUndefined();
    expect(parseOrderEvent('Order Completed', { properties: { order_id: '' } }, 'CNY')).toBeUndefined();
  });
});

describe('applyOrderEvent', () => {
  it('counts a completed order once, however often it is repeated', () => {
    const first = applyOrderEvent(undefined, completed('o-1', 5000), context);
    expect(first.order).toEqual({
      orderId: 'o-1',
      memberId: 'mem_1',
      completed: true,
      total: 5000,
      currency: 'CNY',
      refunded: 0,
      completedAt: 1_000,
      eventId: 'evt_1',
    });
    expect(first.effects).toEqual([
      { kind: 'order', memberId: 'mem_1', total: 5000, completedAt: 1_000, categorySpend: {} },
    ]);
    const again = applyOrderEvent(first.order, completed('o-1', 9000), { ...context, eventId: 'evt_2' });
    expect(again).toEqual({ order: first.order, effects: [] });
  });

  it('caps refunds at what is left of the order', () => {
    let order: OrderState = applyOrderEvent(undefined, completed('o-1', 5000), context).order;
    const partial = applyOrderEvent(order, refunded('o-1', 3000), { ...context, memberId: 'mem_other' });
    expect(partial.effects).toEqual([{ kind: 'refund', memberId: 'mem_1', amount: 3000 }]);
    order = partial.order;
    const rest = applyOrderEvent(order, refunded('o-1', 4000), context);
    expect(rest.effects).toEqual([{ kind: 'refund', memberId: 'mem_1', amount: 2000 }]);
    expect(rest.order.refunded).toBe(5000);
    expect(applyOrderEvent(rest.order, refunded('o-1', 100), context).effects).toEqual([]);
  });

  it('refunds what is left when the refund names no amount', () => {
    const order = applyOrderEvent(undefined, completed('o-1', 5000), context).order;
    const partial = applyOrderEvent(order, refunded('o-1', 1000), context).order;
    const full = applyOrderEvent(partial, refunded('o-1', null), context);
    expect(full.effects).toEqual([{ kind: 'refund', memberId: 'mem_1', amount: 4000 }]);
    expect(full.order.refunded).toBe(5000);
  });

  it('keeps a refund that arrives before its order, then counts the order as refunded', () => {
    const early = applyOrderEvent(undefined, refunded('o-2', 1500), context);
    expect(early.order).toEqual({
      orderId: 'o-2',
      memberId: 'mem_1',
      completed: false,
      total: 0,
      currency: 'CNY',
      refunded: 1500,
      completedAt: null,
      eventId: 'evt_1',
    });
    expect(early.effects).toEqual([{ kind: 'refund', memberId: 'mem_1', amount: 1500 }]);
    const arrived = applyOrderEvent(early.order, completed('o-2', 6000), { ...context, eventTime: 500 });
    expect(arrived.order).toMatchObject({ completed: true, total: 6000, refunded: 1500, completedAt: 500 });
    expect(arrived.effects).toEqual([
      { kind: 'order', memberId: 'mem_1', total: 6000, completedAt: 500, categorySpend: {} },
    ]);
    const more = applyOrderEvent(arrived.order, refunded('o-2', 9000), context);
    expect(more.effects).toEqual([{ kind: 'refund', memberId: 'mem_1', amount: 4500 }]);
  });

  it('caps an early refund once the order shows it was larger than the order', () => {
    const early = applyOrderEvent(undefined, refunded('o-3', 8000), context);
    const arrived = applyOrderEvent(early.order, completed('o-3', 5000), context);
    expect(arrived.order.refunded).toBe(5000);
    expect(arrived.effects).toEqual([
      { kind: 'order', memberId: 'mem_1', total: 5000, completedAt: 1_000, categorySpend: {} },
      { kind: 'refund', memberId: 'mem_1', amount: -3000 },
    ]);
  });

  it('keeps orders in another currency without adding them to spend', () => {
    const usd = applyOrderEvent(undefined, completed('o-4', 2000, 'USD'), context);
    expect(usd.order).toMatchObject({ completed: true, total: 2000, currency: 'USD' });
    expect(usd.effects).toEqual([]);
    expect(applyOrderEvent(usd.order, refunded('o-4', 500, 'USD'), context).effects).toEqual([]);
  });
});
