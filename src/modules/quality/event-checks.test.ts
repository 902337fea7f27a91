import { describe, expect, it } from 'vitest';
import { readDecimal } from '../profiles/event-money.ts';
import { checkTrackedEvent } from './event-checks.ts';
import { orderLimitsSchema } from './quality.schema.ts';

const limits = orderLimitsSchema.parse({ maxAmount: 1_000, maxQuantity: 10, maxProducts: 3 });

function check(eventName: string, properties: unknown) {
  const refusal = checkTrackedEvent(eventName, { properties }, limits);
  return refusal ? [refusal.reason, refusal.field] : undefined;
}

describe('readDecimal', () => {
  it('reads numbers and plain decimal strings, nothing else', () => {
    expect([12.5, '12.50', ' 7 ', '-3', '.5', '12.'].map(readDecimal)).toEqual([12.5, 12.5, 7, -3, 0.5, 12]);
    for (const value of ['1e3', '0x10', '12,50', '¥12', '', 'oops', Infinity, NaN, '9'.repeat(400), null, true, {}]) {
      expect([value, readDecimal(value)]).toEqual([value, undefined]);
    }
  });
});

describe('checkTrackedEvent', () => {
  it('counts orders and other events whose numbers are sound', () => {
    expect(check('Order Completed', { order_id: 'o', total: '999.99', products: [{ price: 1, quantity: 10 }] })).toBe(
      undefined,
    );
    expect(check('Order Completed', { order_id: 7, total: null, currency: 'usd' })).toBe(undefined);
    expect(check('Order Refunded', { order_id: 'o' })).toBe(undefined);
    expect(check('Product Viewed', { name: 'Bottle', price: 'n/a' })).toBe(undefined);
    expect(check('Review Posted', undefined)).toBe(undefined);
  });

  it('refuses an order without an id', () => {
    for (const orderId of [undefined, '', '   ', null, {}, Number.NaN]) {
      expect(check('Order Completed', { order_id: orderId, total: 1 })).toEqual([
        'missing_order_id',
        'properties.order_id',
      ]);
    }
    expect(check('Order Refunded', { total: 1 })).toEqual(['missing_order_id', 'properties.order_id']);
  });

  it('refuses money that is not a number, negative or over the bound, on any event', () => {
    expect(check('Order Completed', { order_id: 'o', total: 1e300 })).toEqual(['too_large', 'properties.total']);
    expect(check('Order Completed', { order_id: 'o', total: 1_000.01 })).toEqual(['too_large', 'properties.total']);
    expect(check('Order Completed', { order_id: 'o', total: -123.45 })).toEqual(['negative', 'properties.total']);
    expect(check('Order Completed', { order_id: 'o', total: 'oops' })).toEqual(['not_a_number', 'properties.total']);
    expect(check('Order Refunded', { order_id: 'o', revenue: '-5' })).toEqual(['negative', 'properties.revenue']);
    expect(check('Order Completed', { order_id: 'o', discount: [] })).toEqual(['not_a_number', 'properties.discount']);
    expect(check('Subscription Renewed', { value: 5_000 })).toEqual(['too_large', 'properties.value']);
  });

  it('refuses an unknown currency', () => {
    expect(check('Order Completed', { order_id: 'o', total: 1, currency: 'XXQ' })).toEqual([
      'not_a_currency',
      'properties.currency',
    ]);
    expect(check('Order Completed', { order_id: 'o', total: 1, currency: 5 })).toEqual([
      'not_a_currency',
      'properties.currency',
    ]);
  });

  it('refuses products that are not a list of sound lines', () => {
    const order = (products: unknown) => check('Order Completed', { order_id: 'o', products });
    expect(order('many')).toEqual(['not_a_list', 'properties.products']);
    expect(order([{}, {}, {}, {}])).toEqual(['too_many_products', 'properties.products']);
    expect(order([{ price: 1 }, 'bottle'])).toEqual(['not_an_object', 'properties.products.1']);
    expect(order([{ price: 'free' }])).toEqual(['not_a_number', 'properties.products.0.price']);
    expect(order([{ price: 1, quantity: -1 }])).toEqual(['negative', 'properties.products.0.quantity']);
    expect(order([{ price: 1, quantity: 11 }])).toEqual(['too_large', 'properties.products.0.quantity']);
    expect(order([{ price: 200, quantity: 6 }])).toEqual(['too_large', 'properties.products.0']);
    expect(order([{ price: 600 }, { price: 600 }])).toEqual(['too_large', 'properties.products']);
  });
});
