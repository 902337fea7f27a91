import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 4, 3, 2, 0, 0);

interface Tree {
  code: string | null;
  referredBy: string | null;
  counts: Record<string, number>;
  referrals: Array<{ refereeId: string; status: string; referrerRewarded: boolean; children: number }>;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('referrals (fission)', () => {
  it('links new members once, rewards both sides after the return window within caps, voids refunded orders', async () => {
    const clock = createManualClock(start);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    const at = (offset: number) => new Date(start + offset).toISOString();
    const order = (userId: string, orderId: string, yuan: number, offset: number) => ({
      type: 'track',
      userId,
      event: 'Order Completed',
      timestamp: at(offset),
      properties: { order_id: orderId, total: yuan, currency: 'CNY' },
    });
    const people = ['ana', 'carl', 'dan', 'eve'];
    await api.sendAndProcess([
      ...people.map((userId) => ({ type: 'identify', userId, traits: {}, timestamp: at(0) })),
      order('eve', 'eve-1', 99, 0),
    ]);
    const [ana, carl, dan, eve] = (await Promise.all(people.map((person) => api.memberIdOf('user_id', person)))) as [
      string,
      string,
      string,
      string,
    ];
    const noProgram = await api.request('POST', `/api/members/${ana}/referral-code`);
    expect(noProgram.status).toBe(404);
    const program = {
      referrerReward: { type: 'points', points: 200 },
      refereeReward: { type: 'points', points: 50 },
      minimumOrder: 10_000,
      returnWindowDays: 15,
      caps: { perMonth: 1 },
      linkBase: 'https://brand.example/r/',
    };
    expect((await api.request('PUT', '/api/referrals/program', { body: program })).status).toBe(200);
    const ambassador = {
      name: 'Ambassador',
      measure: { type: 'events', event: 'Referral Completed' },
      levels: [{ name: 'ambassador', threshold: 2, reward: { type: 'points', points: 1_000 } }],
    };
    expect((await api.request('PUT', '/api/badges/ambassador', { body: ambassador })).status).toBe(201);

    const issued = await api.request<{ code: string; link: string }>('POST', `/api/members/${ana}/referral-code`);
    expect(issued.body.code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    expect(issued.body.link).toBe(`https://brand.example/r/${issued.body.code}`);
    const again = await api.request<{ code: string }>('POST', `/api/members/${ana}/referral-code`);
    expect(again.body.code).toBe(issued.body.code);

    // Bob is new: he signs up in the app with Ana's code.
    await api.sendAndProcess([
      {
        type: 'track',
        userId: 'bob',
        event: 'Signed Up',
        timestamp: at(1_000),
        properties: { referral_code: issued.body.code.toLowerCase() },
      },
    ]);
    const bob = await api.memberIdOf('user_id', 'bob');
    const bobCode = await api.request<{ code: string }>('POST', `/api/members/${bob}/referral-code`);
    const link = (member: string, code: string) =>
      api.request<{ error?: string }>('POST', '/api/referrals/link', { body: { member, code } });
    const answers = [
      await link(carl, issued.body.code),
      await link(carl, issued.body.code),
      await link(dan, issued.body.code),
      await link(ana, issued.body.code),
      await link(ana, bobCode.body.code),
      await link(eve, issued.body.code),
      await link(carl, bobCode.body.code),
      await link(carl, 'NOPE2345'),
    ];
    expect(answers.map((answer) => [answer.status, answer.body.error ?? null])).toEqual([
      [201, null],
      [200, null],
      [201, null],
      [409, 'self_referral'],
      [409, 'cycle'],
      [409, 'not_new'],
      [409, 'already_referred'],
      [404, 'unknown_code'],
    ]);

    await api.sendAndProcess([
      order('bob', 'bob-1', 150, 2 * day),
      order('dan', 'dan-1', 300, 2 * day + 60_000),
      order('carl', 'carl-1', 200, 3 * day),
      {
        type: 'track',
        userId: 'carl',
        event: 'Order Refunded',
        timestamp: at(4 * day),
        properties: { order_id: 'carl-1' },
      },
    ]);
    const points = async (member: string) =>
      (await api.get<{ available: number }>(`/api/members/${member}/points`)).body.available;
    clock.set(start + 10 * day);
    await server.runtime.ticker.runOnce();
    expect([await points(ana), await points(bob)]).toEqual([0, 0]);

    clock.set(start + 20 * day);
    expect(await server.runtime.ticker.runOnce()).toBeGreaterThan(0);
    // Bob's reward came first; Dan's a minute later found Ana's cap for May reached: Dan is rewarded, Ana not again.
    // Two completed referrals make Ana an ambassador, worth 1,000 points of its own.
    expect([await points(ana), await points(bob), await points(dan), await points(carl)]).toEqual([1_200, 50, 50, 0]);
    const badges = await api.get<{ badges: Array<{ badgeId: string; level: string | null; value: number }> }>(
      `/api/members/${ana}/badges`,
    );
    expect(badges.body.badges.map((badge) => [badge.badgeId, badge.level, badge.value])).toEqual([
      ['ambassador', 'ambassador', 2],
    ]);
    // Listed in the order they were linked: Carl and Dan by the API at the start, Bob by his sign-up a second later.
    const tree = await api.get<Tree>(`/api/members/${ana}/referrals`);
    expect([tree.body.code, tree.body.referredBy, tree.body.counts]).toEqual([
      issued.body.code,
      null,
      { linked: 0, qualified: 0, rewarded: 2, voided: 1 },
    ]);
    expect(
      tree.body.referrals.map((referral) => [referral.refereeId, referral.status, referral.referrerRewarded]),
    ).toEqual([
      [carl, 'voided', false],
      [dan, 'rewarded', false],
      [bob, 'rewarded', true],
    ]);
    const bobTree = await api.get<Tree>(`/api/members/${bob}/referrals`);
    expect(bobTree.body.referredBy).toBe(ana);

    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
  });
});
