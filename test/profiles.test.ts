import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemberApi, type ErrorBody, type MemberApi, type MemberEventsBody } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
let api: MemberApi;

const at = (day: number, hour = 0) => new Date(Date.UTC(2024, 6, day, hour)).toISOString();

beforeAll(async () => {
  server = await startTestServer({ manualProcessing: true });
  api = createMemberApi(server);
});

afterAll(async () => {
  await server?.close();
});

const tea = (price: number, quantity = 1) => ({ category: 'tea', price, quantity });
const snacks = (price: number, quantity = 1) => ({ category: 'snacks', price, quantity });

function track(messageId: string, event: string, properties: Record<string, unknown>, timestamp: string) {
  return { type: 'track', messageId, event, userId: 'u-p', properties, timestamp };
}

describe('member 360', () => {
  let memberId: string;

  beforeAll(async () => {
    await api.sendAndProcess([
      { type: 'page', messageId: 'p-01', anonymousId: 'anon-p', context: { channel: 'wechat' }, timestamp: at(1, 10) },
      {
        type: 'identify',
        messageId: 'p-02',
        userId: 'u-p',
        anonymousId: 'anon-p',
        traits: { name: 'Li Lei', tier: 'gold' },
        context: { channel: 'app' },
        timestamp: at(2),
      },
      {
        ...track(
          'p-03',
          'Order Completed',
          { order_id: 'p-o1', total: 199.99, currency: 'CNY', products: [tea(99.99), snacks(50, 2)] },
          at(3),
        ),
        context: { channel: 'tmall' },
      },
      track('p-04', 'Order Completed', { order_id: 'p-o1', total: 199.99 }, at(3, 1)),
    ]);
    await api.sendAndProcess([
      track('p-05', 'Order Completed', { order_id: 'p-o1', total: 500 }, at(5, 1)),
      track('p-06', 'Order Completed', { order_id: 'p-o2', total: 100, products: [tea(100)] }, at(5)),
      track('p-07', 'Order Refunded', { order_id: 'p-o2', total: 30 }, at(5, 2)),
      track('p-08', 'Order Refunded', { order_id: 'p-o2', total: 500 }, at(5, 3)),
      track('p-09', 'Order Refunded', { order_id: 'p-o3', total: 20 }, at(6)),
    ]);
    await api.sendAndProcess([
      track('p-10', 'Order Completed', { order_id: 'p-o3', total: 80 }, at(4)),
      {
        type: 'identify',
        messageId: 'p-11',
        userId: 'u-p',
        traits: { tier: 'silver', city: 'Shanghai' },
        timestamp: at(1),
      },
      track('p-12', 'Order Completed', { order_id: 'p-o4', total: 10, currency: 'USD' }, at(6, 1)),
    ]);
    memberId = await api.memberIdOf('user_id', 'u-p');
  });

  it('shows identifiers, traits (newest event time wins) and every feature', async () => {
    expect(await api.member(memberId)).toEqual({
      id: memberId,
      createdAt: at(1, 10),
      identifiers: [
        { type: 'anonymous_id', value: 'anon-p' },
        { type: 'user_id', value: 'u-p' },
      ],
      traits: { name: 'Li Lei', tier: 'gold', city: 'Shanghai' },
      // Every amount of the features is in minor units of this currency (the workspace's).
      currency: 'CNY',
      tags: [],
      features: {
        firstSeenAt: at(1),
        lastSeenAt: at(6, 1),
        eventCount: 12,
        orderCount: 3,
        totalSpend: 19999 + 10000 + 8000,
        refundTotal: 3000 + 7000 + 2000,
        netSpend: 37999 - 12000,
        averageOrderValue: 12666,
        firstOrderAt: at(3),
        lastOrderAt: at(5),
        categories: { tea: { spend: 19999, orders: 2 }, snacks: { spend: 10000, orders: 1 } },
        channels: ['wechat', 'app', 'tmall'],
      },
    });
  });

  it('lists events newest first (in log order), paged by cursor', async () => {
    const messageIds: string[] = [];
    const cursors: Array<number | null> = [];
    let cursor: number | null = null;
    do {
      const query: string = cursor === null ? '?limit=5' : `?limit=5&cursor=${cursor}`;
      const page = await api.get<MemberEventsBody>(`/api/members/${memberId}/events${query}`);
      expect(page.status).toBe(200);
      expect(page.body.memberId).toBe(memberId);
      messageIds.push(...page.body.events.map((event) => event.messageId));
      cursor = page.body.nextCursor;
      cursors.push(cursor);
    } while (cursor !== null);
    expect(messageIds).toEqual([
      'p-12',
      'p-11',
      'p-10',
      'p-09',
      'p-08',
      'p-07',
      'p-06',
      'p-05',
      'p-04',
      'p-03',
      'p-02',
      'p-01',
    ]);
    expect(cursors).toHaveLength(3);
    expect(cursors[2]).toBeNull();

    const first = await api.get<MemberEventsBody>(`/api/members/${memberId}/events?limit=1`);
    expect(first.body.events).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        messageId: 'p-12',
        type: 'track',
        event: 'Order Completed',
        timestamp: at(6, 1),
        receivedAt: expect.any(String),
        payload: expect.objectContaining({
          userId: 'u-p',
          properties: { order_id: 'p-o4', total: 10, currency: 'USD' },
        }),
        refusal: null,
      },
    ]);
    const all = await api.get<MemberEventsBody>(`/api/members/${memberId}/events`);
    expect(all.body.events).toHaveLength(12);
    expect(all.body.nextCursor).toBeNull();
  });

  it('validates the paging parameters', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'cursor=0']) {
      const response = await api.get<ErrorBody>(`/api/members/${memberId}/events?${query}`);
      expect([query, response.status, response.body.error]).toEqual([query, 400, 'invalid_request']);
    }
  });
});

describe('profiles across a merge', () => {
  it('folds the merged member in and credits later refunds to the survivor', async () => {
    await api.sendAndProcess([
      { type: 'page', anonymousId: 'anon-m', context: { channel: 'douyin' }, timestamp: at(10) },
      {
        type: 'track',
        event: 'Order Completed',
        anonymousId: 'anon-m',
        properties: { order_id: 'm-o1', total: 50, products: [tea(50)] },
        timestamp: at(11),
      },
      { type: 'identify', anonymousId: 'anon-m', traits: { tier: 'bronze' }, timestamp: at(14) },
    ]);
    const older = await api.memberIdOf('anonymous_id', 'anon-m');
    await api.sendAndProcess([
      { type: 'identify', userId: 'u-m', traits: { tier: 'gold', name: 'Han Meimei' }, timestamp: at(12) },
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'u-m',
        context: { channel: 'jd' },
        properties: { order_id: 'm-o2', total: 70, products: [snacks(35, 2)] },
        timestamp: at(13),
      },
    ]);
    const newer = await api.memberIdOf('user_id', 'u-m');
    expect((await api.member(newer)).features).toMatchObject({ orderCount: 1, totalSpend: 7000, channels: ['jd'] });

    await api.sendAndProcess([{ type: 'identify', userId: 'u-m', anonymousId: 'anon-m', timestamp: at(15) }]);
    await api.sendAndProcess([
      { type: 'track', event: 'Order Refunded', userId: 'u-m', properties: { order_id: 'm-o2' }, timestamp: at(16) },
    ]);
    const expected = {
      id: older,
      traits: { tier: 'bronze', name: 'Han Meimei' },
      features: {
        firstSeenAt: at(10),
        lastSeenAt: at(16),
        eventCount: 7,
        orderCount: 2,
        totalSpend: 12000,
        refundTotal: 7000,
        netSpend: 5000,
        averageOrderValue: 6000,
        firstOrderAt: at(11),
        lastOrderAt: at(13),
        categories: { tea: { spend: 5000, orders: 1 }, snacks: { spend: 7000, orders: 1 } },
        channels: ['douyin', 'jd'],
      },
    };
    expect(await api.member(older)).toMatchObject(expected);
    expect(await api.member(newer)).toMatchObject(expected);
    expect(await api.allEvents(newer)).toHaveLength(7);
  });
});

describe('currencies', () => {
  it('keeps yen in whole units', async () => {
    const keys = await server.runtime.workspaces.create({ name: 'Tokyo', currency: 'JPY', phoneRegion: 'JP' });
    const tokyo = createMemberApi({ ...server, ...keys });
    await tokyo.sendAndProcess([
      {
        type: 'identify',
        userId: 'jp-1',
        traits: { phone: '090-1234-5678' },
        timestamp: at(1),
      },
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'jp-1',
        properties: { order_id: 'jp-o1', total: 1200, products: [{ category: 'sake', price: 600, quantity: 2 }] },
        timestamp: at(2),
      },
      {
        type: 'track',
        event: 'Order Refunded',
        userId: 'jp-1',
        properties: { order_id: 'jp-o1', total: 201 },
        timestamp: at(3),
      },
    ]);
    const member = await tokyo.member(await tokyo.memberIdOf('phone', '+81 90 1234 5678'));
    expect(member.features).toMatchObject({
      orderCount: 1,
      totalSpend: 1200,
      refundTotal: 201,
      netSpend: 999,
      averageOrderValue: 1200,
      categories: { sake: { spend: 1200, orders: 1 } },
    });
  });
});

describe('a full refund before its order', () => {
  it('refunds the whole order once it arrives, whatever its total', async () => {
    const refundFirst = (userId: string, orderId: string, total: number) => [
      [{ type: 'track', event: 'Order Refunded', userId, properties: { order_id: orderId }, timestamp: at(20) }],
      [
        {
          type: 'track',
          event: 'Order Completed',
          userId,
          properties: { order_id: orderId, total },
          timestamp: at(19),
        },
      ],
    ];
    // Each in a batch of its own: the refund is processed before the order exists.
    for (const batch of refundFirst('u-fr', 'fr-o1', 45.5)) await api.sendAndProcess(batch);
    const member = await api.member(await api.memberIdOf('user_id', 'u-fr'));
    expect(member.features).toMatchObject({ orderCount: 1, totalSpend: 4550, refundTotal: 4550, netSpend: 0 });
  });
});
