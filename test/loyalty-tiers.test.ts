import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
// 10:00 on 1 May 2026 in Shanghai.
const start = Date.UTC(2026, 4, 1, 2, 0, 0);

interface TierBody {
  tier: { id: string; name: string; benefits: string[] } | null;
  since: string | null;
  basis: string;
  qualifyingValue: number;
  valueScore: { total: number; dimensions: Record<string, number> };
  next: { tier: { id: string }; missing: number } | null;
  downgrade: { to: { id: string } | null; at: string } | null;
  history: Array<{ from: string | null; to: string | null; at: string; reason: string }>;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const spendTiers = {
  earning: [
    {
      id: 'base',
      name: '1 point per CNY',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1, per: 100 },
    },
    {
      id: 'diamond-double',
      name: 'Diamond double points',
      event: 'Order Completed',
      conditions: [{ field: 'tier', op: 'eq', value: 'diamond' }],
      award: { kind: 'perAmount', points: 1, per: 100 },
    },
  ],
  tiers: {
    basis: 'spend',
    window: { kind: 'rolling', months: 12 },
    graceDays: 10,
    levels: [
      { id: 'silver', name: 'Silver V1', threshold: 0 },
      { id: 'gold', name: 'Gold V2', threshold: 10_000, benefits: ['free shipping'] },
      { id: 'diamond', name: 'Diamond V3', threshold: 50_000, benefits: ['double points'] },
    ],
  },
};

function track(event: string, messageId: string, at: number, properties: Record<string, unknown> = {}) {
  return { type: 'track', userId: 'ana', event, messageId, timestamp: new Date(at).toISOString(), properties };
}

async function tierOf(api: MemberApi, memberId: string): Promise<TierBody> {
  const response = await api.get<TierBody>(`/api/members/${memberId}/tier`);
  expect(response.status).toBe(200);
  return response.body;
}

describe('tiers', () => {
  it('upgrades at once, pays tier rules from the next order, and downgrades only at evaluation after grace', async () => {
    const clock = createManualClock(start);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    const overlapping = await api.request<{ issues: unknown[] }>('PUT', '/api/loyalty/program', {
      body: {
        tiers: {
          levels: [
            { id: 'a', name: 'A', threshold: 10 },
            { id: 'b', name: 'B', threshold: 10 },
          ],
        },
      },
    });
    expect([overlapping.status, overlapping.body.issues]).toEqual([
      400,
      [{ path: 'body.tiers.levels.1.threshold', message: "must be above a's threshold (10): tiers must not overlap" }],
    ]);
    expect((await api.request('PUT', '/api/loyalty/program', { body: spendTiers })).status).toBe(200);

    await api.sendAndProcess([track('Order Completed', 'o-1', start, { order_id: 'o-1', total: 120 })]);
    const ana = await api.memberIdOf('user_id', 'ana');
    let tier = await tierOf(api, ana);
    expect([tier.tier?.id, tier.qualifyingValue, tier.next]).toEqual([
      'gold',
      12_000,
      { tier: expect.objectContaining({ id: 'diamond' }), missing: 38_000 },
    ]);
    expect(tier.history.map((change) => [change.from, change.to])).toEqual([[null, 'gold']]);

    await api.sendAndProcess([
      track('Order Completed', 'o-2', start + 10 * day, { order_id: 'o-2', total: 400 }),
      track('Order Completed', 'o-3', start + 11 * day, { order_id: 'o-3', total: 100 }),
    ]);
    tier = await tierOf(api, ana);
    expect(tier.tier?.id).toBe('diamond');
    // o-2 lifted her to Diamond; o-3, the next order, pays double.
    const points = await api.get<{ available: number }>(`/api/members/${ana}/points`);
    expect(points.body.available).toBe(120 + 400 + 200);
    const explained = await api.get<{ tier: Record<string, unknown> }>(`/api/members/${ana}/explain`);
    expect(explained.body.tier).toMatchObject({
      tier: 'diamond',
      basis: 'spend',
      qualifyingValue: 62_000,
      threshold: 50_000,
      because: 'spend 52000 reached Diamond V3 (50000)',
    });

    await api.sendAndProcess([track('Order Refunded', 'r-2', start + 20 * day, { order_id: 'o-2' })]);
    clock.set(start + 21 * day);
    tier = await tierOf(api, ana);
    // Below Diamond now, but she keeps it until the 1 June evaluation plus 10 days' grace.
    expect([tier.tier?.id, tier.qualifyingValue, tier.downgrade]).toEqual([
      'diamond',
      22_000,
      { to: expect.objectContaining({ id: 'gold' }), at: '2026-06-10T16:00:00.000Z' },
    ]);
    clock.set(Date.UTC(2026, 5, 10, 16, 0, 0) - 1);
    expect((await tierOf(api, ana)).tier?.id).toBe('diamond');
    clock.set(Date.UTC(2026, 5, 10, 16, 0, 0));
    // She has no event after 10 June: the clock tick applies the downgrade when it falls due.
    expect(await (server as TestServer).runtime.ticker.runOnce()).toBe(1);
    expect(await (server as TestServer).runtime.ticker.runOnce()).toBe(0);
    tier = await tierOf(api, ana);
    expect([tier.tier?.id, tier.since, tier.downgrade]).toEqual(['gold', '2026-06-10T16:00:00.000Z', null]);
    expect(tier.history.map((change) => [change.from, change.to, change.at])).toEqual([
      [null, 'gold', new Date(start).toISOString()],
      ['gold', 'diamond', new Date(start + 10 * day).toISOString()],
      ['diamond', 'gold', '2026-06-10T16:00:00.000Z'],
    ]);

    const feed = await api.get<{ changes: Array<Record<string, unknown>>; nextCursor: string | null }>(
      '/api/loyalty/tier-changes?limit=2',
    );
    expect(feed.body.changes.map((change) => [change.memberId, change.from, change.to, change.at])).toEqual([
      [ana, null, 'gold', new Date(start).toISOString()],
      [ana, 'gold', 'diamond', new Date(start + 10 * day).toISOString()],
    ]);
    const rest = await api.get<{ changes: Array<Record<string, unknown>>; nextCursor: string | null }>(
      `/api/loyalty/tier-changes?limit=2&cursor=${feed.body.nextCursor ?? ''}`,
    );
    expect([rest.body.changes.map((change) => [change.from, change.to, change.at]), rest.body.nextCursor]).toEqual([
      [['diamond', 'gold', '2026-06-10T16:00:00.000Z']],
      null,
    ]);

    const { live, replayed } = await replayInPlace((server as TestServer).runtime);
    expect(replayed).toEqual(live);
  });

  it('scores value on five dimensions and places the member on the default tiers', async () => {
    server = await startTestServer({ clock: createManualClock(start), workspace: { timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    expect((await api.request('PUT', '/api/loyalty/program', { body: { tiers: {} } })).status).toBe(200);
    await api.sendAndProcess([
      {
        type: 'identify',
        userId: 'ana',
        messageId: 'id-1',
        timestamp: new Date(start).toISOString(),
        traits: { email: 'ana@example.com', phone: '13800138000', phoneVerified: true },
      },
      track('Signed Up', 's-1', start + 1000),
    ]);
    const tier = await tierOf(api, await api.memberIdOf('user_id', 'ana'));
    // account: 2 of 6 traits → 16, verified phone → +50; newcomer 100; credit 100 (no refunds);
    // activity 1 day of 60 → 1; consumption 0. Weighted: (0×40 + 1×20 + 66×15 + 100×15 + 100×10) / 10 = 351.
    expect(tier.valueScore).toEqual({
      total: 351,
      dimensions: { consumption: 0, activity: 1, account: 66, credit: 100, newcomer: 100 },
    });
    expect([tier.basis, tier.tier?.name, tier.next?.tier.id, tier.next?.missing]).toEqual([
      'valueScore',
      'Platinum V2',
      'diamond',
      199,
    ]);
  });

  it('answers 404 for a program without tiers', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    await api.request('PUT', '/api/loyalty/program', { body: {} });
    await api.sendAndProcess([track('Signed Up', 's-1', Date.now())]);
    const response = await api.get<{ error: string }>(`/api/members/${await api.memberIdOf('user_id', 'ana')}/tier`);
    expect([response.status, response.body.error]).toEqual([404, 'not_found']);
  });
});
