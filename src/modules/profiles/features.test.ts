import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../platform/processor/stage.ts';
import {
  emptyFeatures,
  mergeFeatures,
  observeEvent,
  presentFeatures,
  recordOrder,
  recordRefund,
  type FeatureState,
} from './features.ts';
import { foldEvent, type FoldState } from './profile-fold.ts';

const day = (n: number) => Date.UTC(2024, 2, n);

function state(currency = 'CNY'): FoldState {
  return { workspaceCurrency: currency, profiles: new Map(), orders: new Map(), changedOrders: new Set() };
}

let seq = 0;
function event(
  memberId: string,
  eventTime: number,
  type: string,
  eventName: string | null,
  payload: Record<string, unknown>,
): LoggedEvent {
  seq += 1;
  return {
    seq,
    id: `evt_${seq}`,
    workspaceId: 'ws_1',
    messageId: `m-${seq}`,
    type,
    eventName,
    eventTime,
    receivedAt: eventTime,
    payload,
    memberId,
  };
}

const order = (memberId: string, time: number, properties: Record<string, unknown>) =>
  event(memberId, time, 'track', 'Order Completed', { properties });
const refund = (memberId: string, time: number, properties: Record<string, unknown>) =>
  event(memberId, time, 'track', 'Order Refunded', { properties });

function featuresOf(fold: FoldState, memberId: string) {
  const profile = fold.profiles.get(memberId);
  if (!profile) throw new Error(`no profile for ${memberId}`);
  return presentFeatures(profile.features);
}

describe('features', () => {
  it('start empty', () => {
    expect(presentFeatures(emptyFeatures())).toEqual({
      firstSeenAt: null,
      lastSeenAt: null,
      eventCount: 0,
      orderCount: 0,
      totalSpend: 0,
      refundTotal: 0,
      netSpend: 0,
      averageOrderValue: 0,
      firstOrderAt: null,
      lastOrderAt: null,
      categories: {},
      channels: [],
    });
  });

  it('keep seen times, channels by first touch, orders per category and a rounded average', () => {
    const features: FeatureState = emptyFeatures();
    observeEvent(features, day(5), 'tmall');
    observeEvent(features, day(2), 'wechat');
    observeEvent(features, day(9), undefined);
    observeEvent(features, day(1), 'store');
    observeEvent(features, day(3), 'wechat');
    recordOrder(features, { total: 1000, completedAt: day(5), categorySpend: { formula: 600, toys: 400 } });
    recordOrder(features, { total: 2001, completedAt: day(3), categorySpend: { formula: 2001 } });
    recordOrder(features, { total: 0, completedAt: day(7), categorySpend: {} });
    recordRefund(features, 250);
    expect(presentFeatures(features)).toEqual({
      firstSeenAt: '2024-03-01T00:00:00.000Z',
      lastSeenAt: '2024-03-09T00:00:00.000Z',
      eventCount: 5,
      orderCount: 3,
      totalSpend: 3001,
      refundTotal: 250,
      netSpend: 2751,
      averageOrderValue: 1000,
      firstOrderAt: '2024-03-03T00:00:00.000Z',
      lastOrderAt: '2024-03-07T00:00:00.000Z',
      categories: { formula: { spend: 2601, orders: 2 }, toys: { spend: 400, orders: 1 } },
      channels: ['store', 'wechat', 'tmall'],
    });
  });

  it('present a picture that later orders do not change (loyalty judges an event by it)', () => {
    const features = emptyFeatures();
    recordOrder(features, { total: 1000, completedAt: day(5), categorySpend: { formula: 1000 } });
    const before = presentFeatures(features);
    recordOrder(features, { total: 500, completedAt: day(6), categorySpend: { formula: 300, toys: 200 } });
    expect(before.categories).toEqual({ formula: { spend: 1000, orders: 1 } });
    expect(presentFeatures(features).categories).toEqual({
      formula: { spend: 1300, orders: 2 },
      toys: { spend: 200, orders: 1 },
    });
  });

  it('merge to the same result as one member seeing both histories', () => {
    const a = emptyFeatures();
    const b = emptyFeatures();
    const both = emptyFeatures();
    const steps: Array<[FeatureState, number, string, number]> = [
      [a, day(4), 'app', 1500],
      [b, day(2), 'jd', 700],
      [a, day(6), 'jd', 0],
      [b, day(8), 'douyin', 300],
    ];
    for (const [target, time, channel, total] of steps) {
      for (const features of [target, both]) {
        observeEvent(features, time, channel);
        if (total > 0) recordOrder(features, { total, completedAt: time, categorySpend: { bottles: total } });
      }
    }
    recordRefund(b, 100);
    recordRefund(both, 100);
    mergeFeatures(a, b);
    expect(a).toEqual(both);
    expect(presentFeatures(a).channels).toEqual(['jd', 'app', 'douyin']);
    expect(presentFeatures(a).averageOrderValue).toBe(833);
  });
});

describe('features folded from events', () => {
  it('count a repeated Order Completed once', () => {
    const fold = state();
    const props = { order_id: 'o-1', total: 88.5, products: [{ category: 'formula', price: 88.5 }] };
    foldEvent(fold, order('mem_a', day(1), props));
    foldEvent(fold, order('mem_a', day(2), { ...props, total: 99 }));
    expect(featuresOf(fold, 'mem_a')).toMatchObject({
      eventCount: 2,
      orderCount: 1,
      totalSpend: 8850,
      averageOrderValue: 8850,
      firstOrderAt: '2024-03-01T00:00:00.000Z',
      lastOrderAt: '2024-03-01T00:00:00.000Z',
      categories: { formula: { spend: 8850, orders: 1 } },
    });
  });

  it('count yen in whole units', () => {
    const fold = state('JPY');
    foldEvent(fold, order('mem_a', day(1), { order_id: 'j-1', total: 1200, currency: 'JPY' }));
    foldEvent(fold, order('mem_a', day(2), { order_id: 'j-2', total: 4801 }));
    foldEvent(fold, refund('mem_a', day(3), { order_id: 'j-2', total: 1 }));
    expect(featuresOf(fold, 'mem_a')).toMatchObject({
      orderCount: 2,
      totalSpend: 6001,
      refundTotal: 1,
      netSpend: 6000,
      averageOrderValue: 3001,
    });
  });

  it('keep a refund of an unknown order and net it once the order arrives', () => {
    const fold = state();
    foldEvent(fold, refund('mem_a', day(5), { order_id: 'o-9', total: 30 }));
    expect(featuresOf(fold, 'mem_a')).toMatchObject({ orderCount: 0, totalSpend: 0, refundTotal: 3000 });
    foldEvent(fold, order('mem_a', day(4), { order_id: 'o-9', total: 100 }));
    foldEvent(fold, refund('mem_a', day(6), { order_id: 'o-9', total: 100 }));
    expect(featuresOf(fold, 'mem_a')).toMatchObject({
      orderCount: 1,
      totalSpend: 10000,
      refundTotal: 10000,
      netSpend: 0,
      firstOrderAt: '2024-03-04T00:00:00.000Z',
    });
    expect(fold.orders.get('o-9')).toMatchObject({ completed: true, total: 10000, refunded: 10000 });
  });

  it('cap an early refund at the order total when the order arrives', () => {
    const fold = state();
    foldEvent(fold, refund('mem_a', day(5), { order_id: 'o-8', total: 80 }));
    foldEvent(fold, order('mem_a', day(4), { order_id: 'o-8', total: 50 }));
    expect(featuresOf(fold, 'mem_a')).toMatchObject({ totalSpend: 5000, refundTotal: 5000, netSpend: 0 });
  });

  it('credit a refund to the member who placed the order', () => {
    const fold = state();
    foldEvent(fold, order('mem_a', day(1), { order_id: 'o-7', total: 40 }));
    foldEvent(fold, refund('mem_b', day(2), { order_id: 'o-7' }));
    expect(featuresOf(fold, 'mem_a')).toMatchObject({ totalSpend: 4000, refundTotal: 4000, netSpend: 0 });
    expect(featuresOf(fold, 'mem_b')).toMatchObject({ eventCount: 1, refundTotal: 0 });
  });

  it('keep orders in another currency out of spend', () => {
    const fold = state();
    foldEvent(fold, order('mem_a', day(1), { order_id: 'o-6', total: 40, currency: 'USD' }));
    expect(featuresOf(fold, 'mem_a')).toMatchObject({ orderCount: 0, totalSpend: 0 });
    expect(fold.orders.get('o-6')).toMatchObject({ total: 4000, currency: 'USD' });
  });

  it('take channels from context.channel, else properties.channel', () => {
    const fold = state();
    foldEvent(fold, event('mem_a', day(3), 'page', null, { context: { channel: ' WeChat ' } }));
    foldEvent(fold, event('mem_a', day(2), 'track', 'Product Viewed', { properties: { channel: 'tmall' } }));
    foldEvent(
      fold,
      event('mem_a', day(4), 'track', 'X', { context: { channel: 'app' }, properties: { channel: 'jd' } }),
    );
    expect(featuresOf(fold, 'mem_a').channels).toEqual(['tmall', 'wechat', 'app']);
  });
});
