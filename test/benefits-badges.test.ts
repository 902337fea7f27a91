import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 4, 1, 2, 0, 0);

interface HeldBadge {
  badgeId: string;
  level: string | null;
  value: number;
  unlocks: string[];
  next: { level: string; missing: number } | null;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const milkOrder = (orderId: string, yuan: number, at: number) => ({
  type: 'track',
  userId: 'ana',
  event: 'Order Completed',
  timestamp: new Date(at).toISOString(),
  properties: {
    order_id: orderId,
    total: yuan + 20,
    currency: 'CNY',
    products: [
      { product_id: 'milk', category: 'milk powder', price: yuan, quantity: 1 },
      { product_id: 'wipes', category: 'wipes', price: 20, quantity: 1 },
    ],
  },
});

describe('medals and badges', () => {
  it('awards category medal levels with their rewards, takes one back on a refund, counts events and streaks', async () => {
    const clock = createManualClock(start + 400 * day);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    const template = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'Silver medal gift',
        discount: { type: 'amount', amount: 1_000 },
        validity: { type: 'afterIssue', days: 30 },
        codes: { type: 'shared', code: 'SILVER-GIFT' },
      },
    });
    const medal = {
      name: 'Milk powder medal',
      measure: { type: 'spend', category: 'milk powder' },
      windowMonths: 12,
      levels: [
        { name: 'bronze', threshold: 10_000, reward: { type: 'points', points: 100 } },
        { name: 'silver', threshold: 30_000, reward: { type: 'coupon', templateId: template.body.id } },
        { name: 'gold', threshold: 60_000, unlocks: 'free-sample' },
      ],
    };
    const bad = await api.request<{ issues: Array<{ path: string; message: string }> }>('PUT', '/api/badges/bad', {
      body: { ...medal, levels: [...medal.levels].reverse() },
    });
    expect([bad.status, bad.body.issues[0]?.path]).toEqual([400, 'body.levels']);
    expect((await api.request('PUT', '/api/badges/milk-powder', { body: medal })).status).toBe(201);
    const reviewer = {
      name: 'Reviewer',
      measure: { type: 'events', event: 'Product Reviewed' },
      levels: [{ name: 'reviewer', threshold: 3 }],
    };
    const streak = {
      name: 'Three days running',
      measure: { type: 'streak', event: 'App Opened' },
      levels: [{ name: 'streak-3', threshold: 3 }],
    };
    expect((await api.request('PUT', '/api/badges/reviewer', { body: reviewer })).status).toBe(201);
    expect((await api.request('PUT', '/api/badges/app-streak', { body: streak })).status).toBe(201);

    const now = start + 400 * day;
    await api.sendAndProcess([
      milkOrder('old', 500, now - 380 * day),
      milkOrder('o-1', 150, now - 10 * day),
      milkOrder('o-2', 200, now - 5 * day),
    ]);
    const ana = await api.memberIdOf('user_id', 'ana');
    const badgesOf = async () => (await api.get<{ badges: HeldBadge[] }>(`/api/members/${ana}/badges`)).body.badges;
    const milk = (await badgesOf()).find((badge) => badge.badgeId === 'milk-powder');
    // The 500 CNY order is 380 days old: outside the 12 months, it counts for nothing now.
    expect(milk).toMatchObject({ level: 'silver', value: 35_000, next: { level: 'gold', missing: 25_000 } });
    expect((await api.get<{ available: number }>(`/api/members/${ana}/points`)).body.available).toBe(100);
    const coupons = await api.get<{ coupons: Array<{ templateId: string; cohort: string }> }>(
      `/api/members/${ana}/coupons`,
    );
    expect(coupons.body.coupons.map((coupon) => [coupon.templateId, coupon.cohort])).toEqual([
      [template.body.id, 'badge'],
    ]);

    await api.sendAndProcess([
      {
        type: 'track',
        userId: 'ana',
        event: 'Order Refunded',
        timestamp: new Date(now - day).toISOString(),
        properties: { order_id: 'o-2', currency: 'CNY' },
      },
    ]);
    expect((await badgesOf()).find((badge) => badge.badgeId === 'milk-powder')).toMatchObject({
      level: 'bronze',
      value: 15_000,
    });
    const holders = await api.get<{ holders: Array<{ memberId: string; level: string }> }>(
      '/api/badges/milk-powder/holders?level=bronze',
    );
    expect(holders.body.holders.map((held) => [held.memberId, held.level])).toEqual([[ana, 'bronze']]);
    const listed = await api.get<{ badges: Array<{ id: string; holders: Record<string, number> }> }>('/api/badges');
    expect(listed.body.badges.find((badge) => badge.id === 'milk-powder')?.holders).toEqual({
      bronze: 1,
      silver: 0,
      gold: 0,
    });

    const track = (event: string, at: number) => ({
      type: 'track',
      userId: 'ana',
      event,
      timestamp: new Date(at).toISOString(),
    });
    await api.sendAndProcess([
      track('Product Reviewed', now - 3 * day),
      track('Product Reviewed', now - 2 * day),
      track('App Opened', now - 4 * day),
      track('App Opened', now - 2 * day),
      track('App Opened', now - day),
    ]);
    let held = await badgesOf();
    expect(
      held.filter((badge) => badge.badgeId !== 'milk-powder').map((badge) => [badge.badgeId, badge.level, badge.value]),
    ).toEqual(
      expect.arrayContaining([
        ['reviewer', null, 2],
        ['app-streak', null, 2],
      ]),
    );
    await api.sendAndProcess([track('Product Reviewed', now - day), track('App Opened', now - 3 * day)]);
    held = await badgesOf();
    expect(
      held.filter((badge) => badge.badgeId !== 'milk-powder').map((badge) => [badge.badgeId, badge.level, badge.value]),
    ).toEqual(
      expect.arrayContaining([
        ['reviewer', 'reviewer', 3],
        ['app-streak', 'streak-3', 4],
      ]),
    );

    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
  });
});
