import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { emptyProfile, foldEvent, mergeProfiles, snapshotOf, type FoldState } from './profile-fold.ts';

const day = (n: number) => Date.UTC(2026, 2, n);

function logged(seq: number, fields: Partial<LoggedEvent> & { payload: Record<string, unknown> }): LoggedEvent {
  return {
    seq,
    id: `evt_${seq}`,
    workspaceId: 'ws_a',
    messageId: `m-${seq}`,
    type: 'track',
    eventName: 'Viewed',
    eventTime: day(seq),
    receivedAt: day(seq),
    memberId: 'mem_a',
    ...fields,
  };
}

function order(seq: number, orderId: string, category: string, channel: string): LoggedEvent {
  return logged(seq, {
    eventName: 'Order Completed',
    payload: {
      context: { channel },
      properties: { order_id: orderId, total: 100, currency: 'CNY', products: [{ category, price: 100, quantity: 1 }] },
    },
  });
}

describe('snapshotOf', () => {
  it('keeps the member as the event left them while later events of the batch change traits, channels and categories', () => {
    const state: FoldState = {
      workspaceCurrency: 'CNY',
      profiles: new Map(),
      orders: new Map(),
      changedOrders: new Set(),
    };
    const events = [
      logged(1, { type: 'identify', eventName: null, payload: { traits: { city: '杭州', tier: 'new' } } }),
      order(2, 'o-1', 'diapers', 'wechat'),
      logged(3, { type: 'identify', eventName: null, payload: { traits: { city: '上海' } } }),
      order(4, 'o-2', 'milk powder', 'tmall'),
      order(5, 'o-3', 'diapers', 'wechat'),
    ];
    const snapshots = events.map((event) => {
      foldEvent(state, event);
      return snapshotOf(state.profiles.get('mem_a') ?? emptyProfile());
    });

    expect(snapshots[1]?.traits).toEqual({ city: '杭州', tier: 'new' });
    expect(snapshots[1]?.features).toMatchObject({
      orderCount: 1,
      categories: { diapers: { spend: 10000, orders: 1 } },
      channels: ['wechat'],
    });
    expect(snapshots[3]?.traits).toEqual({ city: '上海', tier: 'new' });
    expect(snapshots[3]?.features).toMatchObject({
      orderCount: 2,
      categories: { diapers: { spend: 10000, orders: 1 }, 'milk powder': { spend: 10000, orders: 1 } },
      channels: ['wechat', 'tmall'],
    });
    expect(snapshots[4]?.features).toMatchObject({
      orderCount: 3,
      categories: { diapers: { spend: 20000, orders: 2 }, 'milk powder': { spend: 10000, orders: 1 } },
    });

    // A merge into the member after the snapshots changes none of them.
    const other = emptyProfile();
    foldEvent({ ...state, profiles: new Map([['mem_a', other]]) }, order(6, 'o-4', 'toys', 'jd'));
    mergeProfiles(state.profiles.get('mem_a') ?? emptyProfile(), other);
    expect(snapshots[4]?.features).toMatchObject({ orderCount: 3, channels: ['wechat', 'tmall'] });
    expect(Object.keys(snapshots[4]?.features.categories as object)).toEqual(['diapers', 'milk powder']);
    expect(snapshotOf(state.profiles.get('mem_a') ?? emptyProfile()).features).toMatchObject({
      orderCount: 4,
      channels: ['wechat', 'tmall', 'jd'],
    });
  });
});
