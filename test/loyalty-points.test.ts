import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 4, 1, 2, 0, 0);

interface Balance {
  memberId: string;
  available: number;
  pending: number;
  reserved: number;
  lifetimeEarned: number;
  lifetimeRedeemed: number;
  lifetimeExpired: number;
  expiringSoon?: Array<{ points: number; expiresAt: string }>;
}

interface Refusal {
  error: string;
  message: string;
  available?: number;
  issues: Array<{ path: string; message: string }>;
}

const program = {
  name: 'Hearth points',
  pointValue: { points: 100, amount: 100 },
  earning: [
    {
      id: 'orders',
      name: '1 point per 1 CNY',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1, per: 100 },
    },
    {
      id: 'milk-may',
      name: 'x3 on milk powder in May',
      event: 'Order Completed',
      from: '2026-05-01',
      until: '2026-05-31',
      award: { kind: 'perProduct', match: { category: 'Milk Powder' }, points: 2, per: 100 },
    },
    {
      id: 'review',
      name: 'Review bonus',
      event: 'Product Reviewed',
      award: { kind: 'fixed', points: 20 },
      caps: { perMemberPerDay: 30 },
    },
  ],
  pendingDays: 15,
  expiry: { kind: 'rolling', months: 12 },
  redemption: { maxOrderSharePercent: 50, minimumBalance: 0, step: 10 },
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(): Promise<{ api: MemberApi; clock: ReturnType<typeof createManualClock>; memberId: string }> {
  const clock = createManualClock(start);
  server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
  const api = createMemberApi(server);
  const saved = await api.request<{ version: number; active: boolean }>('PUT', '/api/loyalty/program', {
    body: program,
  });
  expect([saved.status, saved.body.version, saved.body.active]).toEqual([200, 1, true]);
  await api.sendAndProcess([
    { type: 'identify', userId: 'ana', traits: { email: 'ana@example.com' }, timestamp: new Date(start).toISOString() },
  ]);
  return { api, clock, memberId: await api.memberIdOf('user_id', 'ana') };
}

function order(orderId: string, total: number, at: number, products: Array<Record<string, unknown>> = []) {
  return {
    type: 'track',
    userId: 'ana',
    event: 'Order Completed',
    messageId: `order-${orderId}`,
    timestamp: new Date(at).toISOString(),
    properties: { order_id: orderId, total, currency: 'CNY', products },
  };
}

async function operate(api: MemberApi, memberId: string, action: string, body: unknown, key?: string) {
  return api.request<Balance | Refusal>('POST', `/api/members/${memberId}/points/${action}`, {
    body,
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });
}

describe('loyalty program configuration', () => {
  it('refuses a bad program naming the path, keeps every version, and answers the active one', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    expect((await api.get<Refusal>('/api/loyalty/program')).status).toBe(404);
    const bad = await api.request<Refusal>('PUT', '/api/loyalty/program', {
      body: {
        earning: [{ id: 'x', name: 'X', event: 'Order Completed', award: { kind: 'perAmount', points: -1, per: 100 } }],
      },
    });
    expect([bad.status, bad.body.issues]).toEqual([
      400,
      [{ path: 'body.earning.0.award.points', message: 'must be more than 0' }],
    ]);
    expect((await api.get<Refusal>('/api/loyalty/program')).status).toBe(404);

    expect((await api.request('PUT', '/api/loyalty/program', { body: program })).status).toBe(200);
    expect((await api.request('PUT', '/api/loyalty/program', { body: { ...program, pendingDays: 7 } })).status).toBe(
      200,
    );
    const active = await api.get<{ version: number; program: { pendingDays: number } }>('/api/loyalty/program');
    expect([active.body.version, active.body.program.pendingDays]).toEqual([2, 7]);
    const versions = await api.get<{ versions: Array<{ version: number; active: boolean }> }>(
      '/api/loyalty/program/versions',
    );
    expect(versions.body.versions.map((saved) => [saved.version, saved.active])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});

describe('earning, the return window and refunds', () => {
  it('earns per CNY plus the May milk bonus, pending 15 days, cancels a third on a partial refund', async () => {
    const { api, clock, memberId } = await setUp();
    await api.sendAndProcess([
      order('o-1', 300.5, start + 1000, [
        { product_id: 'milk-1', category: 'Milk Powder', price: 100, quantity: 1 },
        { product_id: 'wipes', category: 'Wipes', price: 200.5, quantity: 1 },
      ]),
    ]);
    // 300 points for 300.50 CNY (floored), 200 for the 100 CNY of milk powder at 2 per CNY.
    let points = await api.get<Balance>(`/api/members/${memberId}/points`);
    expect(points.body).toMatchObject({ available: 0, pending: 500, reserved: 0, lifetimeEarned: 500 });

    clock.advance(5 * day);
    await api.sendAndProcess([
      {
        type: 'track',
        userId: 'ana',
        event: 'Order Refunded',
        messageId: 'refund-o-1',
        timestamp: new Date(clock.now()).toISOString(),
        properties: { order_id: 'o-1', total: 100.5, currency: 'CNY' },
      },
    ]);
    // A third of 300.50 refunded: floor(300 × 100.5/300.5) = 100 and floor(200 × 100.5/300.5) = 66 go.
    points = await api.get<Balance>(`/api/members/${memberId}/points`);
    expect(points.body).toMatchObject({ available: 0, pending: 334 });

    clock.advance(11 * day);
    points = await api.get<Balance>(`/api/members/${memberId}/points`);
    expect(points.body).toMatchObject({ available: 334, pending: 0, lifetimeEarned: 500, expiringSoon: [] });
    const history = await api.get<{
      entries: Array<{ kind: string; available: number; pending: number; source: { type: string; id: string } }>;
    }>(`/api/members/${memberId}/points/history`);
    expect(history.body.entries.map((entry) => [entry.kind, entry.pending, entry.source.id])).toEqual([
      ['cancel', -66, 'o-1'],
      ['cancel', -100, 'o-1'],
      ['earn', 200, 'milk-may'],
      ['earn', 300, 'orders'],
    ]);
  });

  it('takes the points back from whoever earned them when another member sends the refund', async () => {
    const { api, clock, memberId } = await setUp();
    await operate(api, memberId, 'adjust', { points: 40, reason: 'gift' });
    await api.sendAndProcess([order('o-7', 100, start + 1000)]);
    clock.advance(20 * day);
    await api.sendAndProcess([
      {
        type: 'track',
        anonymousId: 'kiosk-7',
        event: 'Order Refunded',
        messageId: 'r-7',
        timestamp: new Date(clock.now()).toISOString(),
        properties: { order_id: 'o-7' },
      },
    ]);
    expect((await api.get<Balance>(`/api/members/${memberId}/points`)).body).toMatchObject({
      available: 40,
      pending: 0,
      lifetimeEarned: 140,
    });
    const kiosk = await api.memberIdOf('anonymous_id', 'kiosk-7');
    expect((await api.get<Balance>(`/api/members/${kiosk}/points`)).body).toMatchObject({ available: 0, pending: 0 });
  });

  it('takes back the points of an order whose refund arrived first', async () => {
    const { api, memberId } = await setUp();
    await api.sendAndProcess([
      { type: 'track', userId: 'ana', event: 'Order Refunded', messageId: 'r-9', properties: { order_id: 'o-9' } },
    ]);
    await api.sendAndProcess([order('o-9', 80, start + 1000)]);
    const points = await api.get<Balance>(`/api/members/${memberId}/points`);
    expect(points.body).toMatchObject({ available: 0, pending: 0, lifetimeEarned: 80 });
  });

  it('caps a rule per member per day in the workspace time zone', async () => {
    const { api, memberId } = await setUp();
    const review = (n: number, at: number) => ({
      type: 'track',
      userId: 'ana',
      event: 'Product Reviewed',
      messageId: `review-${n}`,
      timestamp: new Date(at).toISOString(),
    });
    // 02:00Z is 10:00 in Shanghai; 17:00Z is 01:00 the next Shanghai day.
    await api.sendAndProcess([review(1, start), review(2, start + 1000), review(3, start + 15 * 3_600_000)]);
    const points = await api.get<Balance>(`/api/members/${memberId}/points`);
    expect(points.body).toMatchObject({ available: 50, lifetimeEarned: 50 });
  });
});

describe('rules on member features', () => {
  it('see the member as of the event, so replay in other batches decides the same', async () => {
    server = await startTestServer({ clock: createManualClock(start) });
    const api = createMemberApi(server);
    const firstOrder = {
      earning: [
        {
          id: 'first-order',
          name: 'First order bonus',
          event: 'Order Completed',
          conditions: [{ field: 'features.orderCount', op: 'eq', value: 1 }],
          award: { kind: 'fixed', points: 100 },
        },
      ],
    };
    expect((await api.request('PUT', '/api/loyalty/program', { body: firstOrder })).status).toBe(200);
    // Live: each order in a batch of its own.
    await api.sendAndProcess([order('o-1', 10, start)]);
    await api.sendAndProcess([order('o-2', 10, start + 1000)]);
    const ana = await api.memberIdOf('user_id', 'ana');
    expect((await api.get<Balance>(`/api/members/${ana}/points`)).body.available).toBe(100);

    // Replay: both orders in one batch; the second must still not look like a first order.
    const { live, replayed } = await replayInPlace((server as TestServer).runtime);
    expect(replayed).toEqual(live);
  });
});

describe('rule budgets', () => {
  it('never gives more than the budget, across batches and members', async () => {
    server = await startTestServer({ clock: createManualClock(start) });
    const api = createMemberApi(server);
    const budgeted = {
      earning: [
        { id: 'launch', name: 'Launch gift', event: 'Signed Up', award: { kind: 'fixed', points: 20 }, budget: 50 },
      ],
    };
    expect((await api.request('PUT', '/api/loyalty/program', { body: budgeted })).status).toBe(200);
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      await api.sendAndProcess([{ type: 'track', userId: user, event: 'Signed Up', messageId: `signup-${user}` }]);
    }
    const balances = [];
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      const id = await api.memberIdOf('user_id', user);
      balances.push((await api.get<Balance>(`/api/members/${id}/points`)).body.available);
    }
    expect(balances).toEqual([20, 20, 10, 0]);
  });
});

describe('points operations', () => {
  it('adjusts idempotently, refuses a reused key with another body, and never writes a refused redemption', async () => {
    const { api, memberId } = await setUp();
    const granted = await operate(api, memberId, 'adjust', { points: 500, reason: 'welcome gift' }, 'grant-1');
    expect([granted.status, granted.body]).toEqual([
      200,
      {
        memberId,
        available: 500,
        pending: 0,
        reserved: 0,
        lifetimeEarned: 500,
        lifetimeRedeemed: 0,
        lifetimeExpired: 0,
      },
    ]);
    const again = await operate(api, memberId, 'adjust', { points: 500, reason: 'welcome gift' }, 'grant-1');
    expect(again.body).toEqual(granted.body);
    const reused = await operate(api, memberId, 'adjust', { points: 900, reason: 'welcome gift' }, 'grant-1');
    expect([reused.status, (reused.body as Refusal).error]).toEqual([422, 'idempotency_key_reused']);

    const tooMuch = await operate(api, memberId, 'redeem', { points: 510 }, 'redeem-1');
    expect([tooMuch.status, tooMuch.body]).toEqual([
      409,
      {
        error: 'insufficient_points',
        message: 'not enough points: 510 asked, 500 available',
        available: 500,
        issues: [],
      },
    ]);
    const offStep = await operate(api, memberId, 'redeem', { points: 15 }, 'redeem-2');
    expect([offStep.status, (offStep.body as Refusal).error]).toEqual([422, 'invalid_points']);
    const bad = await operate(api, memberId, 'redeem', { points: -5 });
    expect([bad.status, (bad.body as Refusal).issues]).toEqual([
      400,
      [{ path: 'body.points', message: 'must be more than 0' }],
    ]);

    const redeemed = await operate(api, memberId, 'redeem', { points: 120, reason: 'coffee' }, 'redeem-3');
    expect(redeemed.body).toMatchObject({ available: 380, lifetimeRedeemed: 120 });
    const history = await api.get<{ entries: Array<{ kind: string; available: number; reason: string }> }>(
      `/api/members/${memberId}/points/history`,
    );
    expect(history.body.entries.map((entry) => [entry.kind, entry.available, entry.reason])).toEqual([
      ['redeem', -120, 'coffee'],
      ['adjust', 500, 'welcome gift'],
    ]);
  });

  it('puts an operation naming a member merged away since it was last seen on the survivor; an unknown member is 404', async () => {
    const { api, memberId: ana } = await setUp();
    await api.sendAndProcess([{ type: 'track', anonymousId: 'visitor-1', event: 'Product Viewed' }]);
    const visitor = await api.memberIdOf('anonymous_id', 'visitor-1');
    // Both are seen before the merge, so the one merged away is named by the id the server last saw.
    expect((await operate(api, visitor, 'adjust', { points: 100, reason: 'first visit' }, 'visit-1')).status).toBe(200);
    expect((await operate(api, ana, 'adjust', { points: 10, reason: 'welcome' }, 'ana-1')).status).toBe(200);
    await api.sendAndProcess([{ type: 'identify', userId: 'ana', anonymousId: 'visitor-1' }]);
    const survivor = await api.memberIdOf('user_id', 'ana');
    expect(survivor).toBe(await api.memberIdOf('anonymous_id', 'visitor-1'));
    const merged = survivor === ana ? visitor : ana;

    const later = await operate(api, merged, 'adjust', { points: 50, reason: 'second visit' }, 'visit-2');
    expect([later.status, later.body]).toMatchObject([200, { memberId: survivor, available: 160 }]);
    const balance = await api.get<Balance>(`/api/members/${merged}/points`);
    expect([balance.body.memberId, balance.body.available, balance.body.lifetimeEarned]).toEqual([survivor, 160, 160]);

    const unknown = await operate(api, 'mem_nobody', 'adjust', { points: 50, reason: 'nobody' }, 'nobody-1');
    expect([unknown.status, (unknown.body as Refusal).error]).toEqual([404, 'not_found']);
  });

  it('quotes, holds, commits and releases checkout points; a hold times out by itself', async () => {
    const { api, clock, memberId } = await setUp();
    // The stored holds, not only the answers: a hold that ends must leave no row behind.
    const storedHolds = async () =>
      (
        await (server as TestServer).runtime.database.db
          .selectFrom('points_reservations')
          .select('order_id')
          .where('member_id', '=', memberId)
          .execute()
      ).map((row) => row.order_id);
    await operate(api, memberId, 'adjust', { points: 1000, reason: 'gift' });
    // Half of a 12.34 CNY order is 6.17 = 617 points, down to the step of 10.
    const quote = await api.request('POST', `/api/members/${memberId}/points/quote`, { body: { orderAmount: 1234 } });
    expect(quote.body).toEqual({ available: 1000, maxPoints: 610, deduction: 610, currency: 'CNY' });

    expect((await operate(api, memberId, 'reserve', { points: 600, orderId: 'c-1' }, 'hold-1')).body).toMatchObject({
      available: 400,
      reserved: 600,
    });
    const twice = await operate(api, memberId, 'reserve', { points: 10, orderId: 'c-1' }, 'hold-2');
    expect([twice.status, (twice.body as Refusal).error]).toEqual([409, 'already_reserved']);
    expect((await operate(api, memberId, 'commit', { orderId: 'c-1' }, 'commit-1')).body).toMatchObject({
      available: 400,
      reserved: 0,
      lifetimeRedeemed: 600,
    });
    expect((await operate(api, memberId, 'commit', { orderId: 'c-1' }, 'commit-2')).status).toBe(404);
    expect(await storedHolds()).toEqual([]);

    await operate(api, memberId, 'reserve', { points: 100, orderId: 'c-2' }, 'hold-3');
    expect(await storedHolds()).toEqual(['c-2']);
    expect((await operate(api, memberId, 'release', { orderId: 'c-2' }, 'release-1')).body).toMatchObject({
      available: 400,
      reserved: 0,
    });
    expect(await storedHolds()).toEqual([]);

    await operate(api, memberId, 'reserve', { points: 300, orderId: 'c-3' }, 'hold-4');
    clock.advance(16 * 60_000);
    expect((await api.get<Balance>(`/api/members/${memberId}/points`)).body).toMatchObject({
      available: 400,
      reserved: 0,
    });
  });

  it('spends exactly the balance under 200 parallel redemptions, and replay rebuilds the same ledger', async () => {
    const { api, memberId } = await setUp();
    await operate(api, memberId, 'adjust', { points: 1000, reason: 'gift' });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => operate(api, memberId, 'redeem', { points: 10 }, `parallel-${index}`)),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(100);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(100);
    const points = await api.get<Balance>(`/api/members/${memberId}/points`);
    expect(points.body).toMatchObject({ available: 0, lifetimeRedeemed: 1000 });

    const { live, replayed } = await replayInPlace((server as TestServer).runtime);
    expect(replayed).toEqual(live);
    expect(live.loyalty.points_entries).toHaveLength(101);
  });
});
