import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { orderCompleted } from './support/orders.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
// 10:00 on 1 May 2026 in Shanghai.
const start = Date.UTC(2026, 4, 1, 2, 0, 0);

const program = {
  pointValue: { points: 10, amount: 100 },
  earning: [
    {
      id: 'orders',
      name: '1 point per CNY',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1, per: 100 },
    },
  ],
  expiry: { kind: 'rolling', months: 2 },
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function points(api: MemberApi, memberId: string) {
  return (
    await api.get<{ available: number; lifetimeEarned: number; lifetimeRedeemed: number }>(
      `/api/members/${memberId}/points`,
    )
  ).body;
}

describe('liability', () => {
  it('reports points owed, their value, the months they expire in and the breakage once they do', async () => {
    const clock = createManualClock(start);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    expect((await api.request('PUT', '/api/loyalty/program', { body: program })).status).toBe(200);
    await api.sendAndProcess([
      orderCompleted('ana', 'o-1', 100, start),
      orderCompleted('bo', 'o-2', 40, start + 20 * day),
    ]);
    const ana = await api.memberIdOf('user_id', 'ana');
    const redeemed = await api.request('POST', `/api/members/${ana}/points/redeem`, { body: { points: 30 } });
    expect(redeemed.status).toBe(200);

    const now = await api.get('/api/loyalty/liability');
    expect(now.body).toEqual({
      points: { active: 110, pending: 0, reserved: 0, debt: 0, total: 110 },
      // 10 points are worth 1.00 CNY: 110 points are 11.00.
      value: 1100,
      currency: 'CNY',
      expiringByMonth: [
        { month: '2026-05', points: 0 },
        { month: '2026-06', points: 0 },
        { month: '2026-07', points: 110 },
        ...['2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03', '2027-04'].map(
          (month) => ({ month, points: 0 }),
        ),
      ],
      // 30 points have left the books, all redeemed: no breakage yet.
      breakageRate: 0,
    });

    // On 10 June, Ana's 70 left expire within the 30 days ahead (1 July); Bo's (21 July) not yet.
    clock.set(start + 40 * day);
    const soon = await api.get<{ expiringSoon: unknown[] }>(`/api/members/${ana}/points`);
    expect(soon.body.expiringSoon).toEqual([{ points: 70, expiresAt: '2026-07-01T02:00:00.000Z' }]);

    // Ana's 70 left expire on 1 July, Bo's 40 on 21 July.
    clock.set(start + 62 * day);
    const later = await api.get<{ points: { total: number }; breakageRate: number }>('/api/loyalty/liability');
    expect([later.body.points.total, later.body.breakageRate]).toEqual([40, 0.7]);
    expect(await points(api, ana)).toMatchObject({ available: 0, lifetimeEarned: 100, lifetimeRedeemed: 30 });
  });
});

describe('merges', () => {
  it('pools the points of two members found to be one, with their history', async () => {
    server = await startTestServer({ clock: createManualClock(start) });
    const api = createMemberApi(server);
    await api.request('PUT', '/api/loyalty/program', { body: { ...program, expiry: { kind: 'never' } } });
    await api.sendAndProcess([
      { ...orderCompleted('ana', 'o-1', 100, start), context: { traits: { email: 'ana@example.com' } } },
      {
        ...orderCompleted('x', 'o-2', 0, start),
        userId: undefined,
        anonymousId: 'device-9',
        properties: { order_id: 'o-2', total: 25 },
      },
    ]);
    const guest = await api.memberIdOf('anonymous_id', 'device-9');
    await api.request('POST', `/api/members/${guest}/points/adjust`, { body: { points: 5, reason: 'welcome' } });
    await api.sendAndProcess([
      {
        type: 'identify',
        userId: 'ana',
        anonymousId: 'device-9',
        messageId: 'link',
        timestamp: new Date(start + day).toISOString(),
      },
    ]);
    const ana = await api.memberIdOf('user_id', 'ana');
    expect(await api.memberIdOf('anonymous_id', 'device-9')).toBe(ana);
    expect(await points(api, ana)).toMatchObject({ available: 130, lifetimeEarned: 130 });
    expect(await points(api, guest)).toMatchObject({ available: 130 });
    const history = await api.get<{ entries: Array<{ kind: string; available: number }> }>(
      `/api/members/${ana}/points/history`,
    );
    expect(history.body.entries.map((entry) => entry.available).sort((a, b) => a - b)).toEqual([5, 25, 100]);
  });
});

describe('explain', () => {
  it('sums the ledger by cause so the lines add up to the balance, including expiry since the last event', async () => {
    const clock = createManualClock(start);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    await api.request('PUT', '/api/loyalty/program', { body: program });
    await api.sendAndProcess([
      orderCompleted('ana', 'o-1', 100, start),
      orderCompleted('ana', 'o-2', 60, start + 40 * day),
    ]);
    const ana = await api.memberIdOf('user_id', 'ana');
    clock.set(start + 41 * day);
    await api.request('POST', `/api/members/${ana}/points/redeem`, { body: { points: 30, reason: 'tea' } });
    await api.request('POST', `/api/members/${ana}/points/adjust`, { body: { points: 12, reason: 'apology' } });
    // o-1's 70 points left expire on 1 July, with no event since to record it.
    clock.set(start + 62 * day);
    const explained = await api.get<{
      points: {
        balance: { available: number };
        total: number;
        because: Array<{ label: string; points: number; entries: number }>;
      };
    }>(`/api/members/${ana}/explain`);
    expect(explained.status).toBe(200);
    expect(explained.body.points.balance.available).toBe(72);
    expect(explained.body.points.total).toBe(72);
    expect(explained.body.points.because.map((line) => [line.label, line.points, line.entries])).toEqual([
      ['earned by rule "1 point per CNY" (orders)', 160, 2],
      ['expired or released since the last activity', -70, 0],
      ['redeemed', -30, 1],
      ['staff adjustment', 12, 1],
    ]);
  });
});

describe('splits', () => {
  it('rebuilds the points of members an operator splits apart, and replay agrees', async () => {
    server = await startTestServer({ clock: createManualClock(start) });
    const api = createMemberApi(server);
    await api.request('PUT', '/api/loyalty/program', { body: { ...program, expiry: { kind: 'never' } } });
    await api.sendAndProcess([
      orderCompleted('ana', 'o-1', 100, start),
      { ...orderCompleted('x', 'o-2', 30, start + 1000), userId: undefined, anonymousId: 'dev-1' },
      {
        type: 'identify',
        userId: 'ana',
        anonymousId: 'dev-1',
        messageId: 'link',
        timestamp: new Date(start + 2000).toISOString(),
      },
    ]);
    const ana = await api.memberIdOf('user_id', 'ana');
    expect(await points(api, ana)).toMatchObject({ available: 130 });
    expect((await api.request('POST', `/api/members/${ana}/points/redeem`, { body: { points: 20 } })).status).toBe(200);

    const split = await api.request<{ detachedMemberId: string }>(
      'DELETE',
      `/api/members/${ana}/identifiers/anonymous_id/dev-1`,
    );
    expect(split.status).toBe(200);
    const device = await api.memberIdOf('anonymous_id', 'dev-1');
    expect(device).not.toBe(ana);
    // The device's order goes with the device; the redemption stays with Ana, who asked for it.
    expect(await points(api, ana)).toMatchObject({ available: 80, lifetimeEarned: 100, lifetimeRedeemed: 20 });
    expect(await points(api, device)).toMatchObject({ available: 30, lifetimeEarned: 30 });

    const { live, replayed } = await replayInPlace((server as TestServer).runtime);
    expect(replayed).toEqual(live);
  });
});
