import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi, type ErrorBody, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const start = Date.UTC(2026, 4, 1, 2, 0, 0);
const ceiling = 1_000_000_000_000_000;
const unsafe = Number.MAX_SAFE_INTEGER;

interface Balance {
  memberId: string;
  available: number;
  pending: number;
  reserved: number;
  lifetimeEarned: number;
  lifetimeRedeemed: number;
  lifetimeExpired: number;
}

interface OpenApiDocument {
  paths: Record<
    string,
    { post?: { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } } }
  >;
}

/** One order earns far more than the ceiling: a billion points per minor unit. */
const program = {
  earning: [
    {
      id: 'orders',
      name: 'A billion points per fen',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1_000_000_000, per: 1 },
    },
  ],
  tiers: {
    basis: 'pointsEarned',
    levels: [
      { id: 'base', name: 'Base', threshold: 0 },
      { id: 'top', name: 'Top', threshold: ceiling },
    ],
  },
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(): Promise<{ api: MemberApi; memberId: string }> {
  server = await startTestServer({
    clock: createManualClock(start),
    workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' },
  });
  const api = createMemberApi(server);
  await api.sendAndProcess([
    { type: 'identify', userId: 'ana', traits: { email: 'ana@example.com' }, timestamp: new Date(start).toISOString() },
  ]);
  return { api, memberId: await api.memberIdOf('user_id', 'ana') };
}

function operate(api: MemberApi, memberId: string, action: string, body: unknown, key?: string) {
  return api.request<Balance & ErrorBody>('POST', `/api/members/${memberId}/points/${action}`, {
    body,
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });
}

function invalid(path: string, message: string): ErrorBody {
  return { error: 'invalid_request', message: `${path}: ${message}`, issues: [{ path, message }] };
}

const empty = { available: 0, pending: 0, reserved: 0, lifetimeEarned: 0, lifetimeRedeemed: 0, lifetimeExpired: 0 };

describe('points inputs of the management API are bounded', () => {
  it('refuses an adjustment beyond the bound with a 400 naming body.points, and changes nothing', async () => {
    const { api, memberId } = await setUp();
    const huge = await operate(api, memberId, 'adjust', { points: unsafe, reason: 'typo' }, 'huge');
    expect([huge.status, huge.body]).toEqual([400, invalid('body.points', 'must be at most 1000000000')]);
    const negative = await operate(api, memberId, 'adjust', { points: -unsafe, reason: 'typo' });
    expect([negative.status, negative.body]).toEqual([400, invalid('body.points', 'must be at least -1000000000')]);
    const redeem = await operate(api, memberId, 'redeem', { points: 1_000_000_001 });
    expect([redeem.status, redeem.body]).toEqual([400, invalid('body.points', 'must be at most 1000000000')]);
    const reserve = await operate(api, memberId, 'reserve', { points: 1_000_000_001, orderId: 'o-1' });
    expect([reserve.status, reserve.body]).toEqual([400, invalid('body.points', 'must be at most 1000000000')]);
    const quote = await api.request<ErrorBody>('POST', `/api/members/${memberId}/points/quote`, {
      body: { orderAmount: 1_000_000_000_001 },
    });
    expect([quote.status, quote.body]).toEqual([400, invalid('body.orderAmount', 'must be at most 1000000000000')]);

    // The largest legal adjustment still goes through, and the refused ones left nothing behind.
    const largest = await operate(api, memberId, 'adjust', { points: 1_000_000_000, reason: 'gift' }, 'largest');
    expect([largest.status, largest.body]).toEqual([
      200,
      { memberId, ...empty, available: 1_000_000_000, lifetimeEarned: 1_000_000_000 },
    ]);
    const history = await api.get<{ entries: Array<{ kind: string; available: number }> }>(
      `/api/members/${memberId}/points/history`,
    );
    expect(history.body.entries.map((entry) => [entry.kind, entry.available])).toEqual([['adjust', 1_000_000_000]]);

    // The same bound, from the same schema, in the API document.
    const document = await api.get<OpenApiDocument>('/openapi.json');
    const adjust =
      document.body.paths['/api/members/{id}/points/adjust']?.post?.requestBody.content['application/json'];
    expect(adjust?.schema.properties.points).toEqual({ type: 'integer', minimum: -1e9, maximum: 1e9 });
  });

  it('refuses with a 422 an adjustment that would pass the ceiling, the same on a retry, and every view shows the balance', async () => {
    const { api, memberId } = await setUp();
    expect((await api.request('PUT', '/api/loyalty/program', { body: program })).status).toBe(200);
    const order = {
      type: 'track',
      userId: 'ana',
      event: 'Order Completed',
      messageId: 'order-o-1',
      timestamp: new Date(start).toISOString(),
      properties: { order_id: 'o-1', total: 20_000, currency: 'CNY' },
    };
    await api.sendAndProcess([order]);
    // Two million fen at a billion points each: the earning stops at the ceiling.
    const earned = await api.get<Balance>(`/api/members/${memberId}/points`);
    expect(earned.body).toMatchObject({ available: ceiling, lifetimeEarned: ceiling });

    const down = await operate(api, memberId, 'adjust', { points: -10, reason: 'correction' }, 'down');
    expect([down.status, down.body]).toEqual([
      200,
      { memberId, ...empty, available: ceiling - 10, lifetimeEarned: ceiling },
    ]);
    const rule = 'would take lifetimeEarned above 1000000000000000 points';
    const refusal = {
      error: 'total_over_ceiling',
      message: `points ${rule}`,
      issues: [{ path: 'body.points', message: rule }],
    };
    const up = await operate(api, memberId, 'adjust', { points: 10, reason: 'goodwill' }, 'up');
    expect([up.status, up.body]).toEqual([422, refusal]);
    const retried = await operate(api, memberId, 'adjust', { points: 10, reason: 'goodwill' }, 'up');
    expect([retried.status, retried.body]).toEqual([422, refusal]);
    const balance = { ...empty, available: ceiling - 10, lifetimeEarned: ceiling };
    expect((await api.get<Balance>(`/api/members/${memberId}/points`)).body).toEqual({
      memberId,
      ...balance,
      expiringSoon: [],
    });

    // Every answer that shows the balance at the ceiling: none may fail after these commits.
    const held = await operate(api, memberId, 'reserve', { points: 1_000_000_000, orderId: 'o-2' }, 'hold');
    expect([held.status, held.body]).toEqual([
      200,
      { memberId, ...balance, available: ceiling - 1_000_000_010, reserved: 1_000_000_000 },
    ]);
    const spent = await operate(api, memberId, 'commit', { orderId: 'o-2' }, 'spend');
    const after = { ...balance, available: ceiling - 1_000_000_010, lifetimeRedeemed: 1_000_000_000 };
    expect([spent.status, spent.body]).toEqual([200, { memberId, ...after }]);
    const history = await api.get<{ entries: Array<{ kind: string; available: number; reason: string }> }>(
      `/api/members/${memberId}/points/history`,
    );
    expect(history.status).toBe(200);
    const earn = history.body.entries.find((entry) => entry.kind === 'earn');
    expect([earn?.available, earn?.reason]).toEqual([
      ceiling,
      'A billion points per fen (limited by the points ceiling)',
    ]);
    const explained = await api.get<{ points: { total: number } }>(`/api/members/${memberId}/explain`);
    expect([explained.status, explained.body.points.total]).toEqual([200, ceiling - 1_000_000_010]);
    const tier = await api.get<{ tier: { id: string }; qualifyingValue: number }>(`/api/members/${memberId}/tier`);
    expect([tier.status, tier.body.tier.id, tier.body.qualifyingValue]).toEqual([200, 'top', ceiling]);
    const liability = await api.get<{ points: { total: number } }>('/api/loyalty/liability');
    expect([liability.status, liability.body.points.total]).toEqual([200, ceiling - 1_000_000_010]);
    const quote = await api.request<{ maxPoints: number; deduction: number }>(
      'POST',
      `/api/members/${memberId}/points/quote`,
      {
        body: { orderAmount: 1_000_000_000_000 },
      },
    );
    // A point is worth a fen: the largest order takes as many points as it has fen.
    expect([quote.status, quote.body.maxPoints, quote.body.deduction]).toEqual([200, 1e12, 1e12]);

    const { live, replayed } = await replayInPlace((server as TestServer).runtime);
    expect(replayed).toEqual(live);
  });

  it('bounds money and points in the program, coupon templates, plans and store budgets', async () => {
    const { api } = await setUp();
    const rule = program.earning[0];
    const badRule = await api.request<ErrorBody>('PUT', '/api/loyalty/program', {
      body: { ...program, earning: [{ ...rule, award: { ...rule?.award, points: 1_000_000_001 } }] },
    });
    expect([badRule.status, badRule.body.issues]).toEqual([
      400,
      [{ path: 'body.earning.0.award.points', message: 'must be at most 1000000000' }],
    ]);
    const badBudget = await api.request<ErrorBody>('PUT', '/api/loyalty/program', {
      body: { ...program, earning: [{ ...rule, budget: unsafe }] },
    });
    expect([badBudget.status, badBudget.body.issues]).toEqual([
      400,
      [{ path: 'body.earning.0.budget', message: 'must be at most 1000000000' }],
    ]);
    const badTier = await api.request<ErrorBody>('PUT', '/api/loyalty/program', {
      body: { ...program, tiers: { ...program.tiers, levels: [{ id: 'top', name: 'Top', threshold: ceiling + 1 }] } },
    });
    expect([badTier.status, badTier.body.issues]).toEqual([
      400,
      [{ path: 'body.tiers.levels.0.threshold', message: 'must be at most 1000000000000000' }],
    ]);

    const template = {
      name: 'Too generous',
      discount: { type: 'amount', amount: 1_000_000_000_001 },
      validity: { type: 'afterIssue', days: 30 },
      codes: { type: 'generated', pattern: 'HX-####-????' },
    };
    const coupon = await api.request<ErrorBody>('POST', '/api/coupon-templates', { body: template });
    expect([coupon.status, coupon.body]).toEqual([
      400,
      invalid('body.discount.amount', 'must be at most 1000000000000'),
    ]);
    const spend = await api.request<ErrorBody>('POST', '/api/coupon-templates', {
      body: { ...template, discount: { type: 'amount', amount: 100 }, minimumSpend: unsafe },
    });
    expect([spend.status, spend.body]).toEqual([400, invalid('body.minimumSpend', 'must be at most 1000000000000')]);

    const plan = await api.request<ErrorBody>('PUT', '/api/membership-plans/plus', {
      body: { name: 'PLUS', price: unsafe, term: 'monthly' },
    });
    expect([plan.status, plan.body]).toEqual([400, invalid('body.price', 'must be at most 1000000000000')]);

    expect((await api.request('PUT', '/api/stores/SH-001', { body: { name: 'Jing’an' } })).status).toBe(201);
    const purchase = await api.request<ErrorBody>('POST', '/api/stores/SH-001/budget', {
      body: { points: unsafe, reference: 'INV-1' },
    });
    expect([purchase.status, purchase.body]).toEqual([400, invalid('body.points', 'must be at most 1000000000')]);
    const stores = await api.get<{ stores: Array<{ budget: number }> }>('/api/stores');
    expect(stores.body.stores.map((store) => store.budget)).toEqual([0]);
  });
});
