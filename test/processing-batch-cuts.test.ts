import { afterEach, describe, expect, it } from 'vitest';
import { defaultDemoUntil } from '../src/modules/demo/demo-data.ts';
import { loadDemoData } from '../src/modules/demo/demo.service.ts';
import { createRandom } from '../src/modules/demo/random.ts';
import { readEventsAfter } from '../src/modules/ingest/event-log.repo.ts';
import { createManualClock } from '../src/platform/clock.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createProcessor } from '../src/platform/processor/processor.ts';
import { snapshotDerivedState, type DerivedState } from './support/derived-state.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const until = Date.parse(defaultDemoUntil);
const vips = ['vip-0', 'vip-1', 'vip-2', 'vip-3', 'vip-4', 'vip-5'];

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const program = {
  earning: [
    {
      id: 'first-looks',
      name: 'A member’s first looks',
      event: 'Product Viewed',
      conditions: [{ field: 'features.eventCount', op: 'lte', value: 3 }],
      award: { kind: 'fixed', points: 5 },
    },
    {
      id: 'base',
      name: '1 point per CNY',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1, per: 100 },
    },
  ],
  tiers: {
    basis: 'spend',
    window: { kind: 'rolling', months: 12 },
    graceDays: 10,
    levels: [
      { id: 'silver', name: 'Silver', threshold: 0 },
      { id: 'gold', name: 'Gold', threshold: 300_000 },
      { id: 'diamond', name: 'Diamond', threshold: 1_000_000 },
    ],
  },
};

async function created(api: MemberApi, method: string, path: string, body: unknown): Promise<{ id: string }> {
  const response = await api.request<{ id: string }>(method, path, { body });
  expect([response.status, path], JSON.stringify(response.body)).toEqual([201, path]);
  return response.body;
}

/** A loyalty program with tiers, a tier-limited coupon, a plan and a badge granting coupons, referrals, segments. */
async function configure(api: MemberApi): Promise<{ goldTemplate: string }> {
  expect((await api.request('PUT', '/api/loyalty/program', { body: program })).status).toBe(200);
  const coupon = (name: string, code: string, tiers?: string[]) => ({
    name,
    discount: { type: 'amount', amount: 8_000 },
    validity: { type: 'afterIssue', days: 60 },
    perMemberLimit: 100,
    codes: { type: 'shared', code },
    ...(tiers ? { applicability: { tiers } } : {}),
  });
  const gold = await created(api, 'POST', '/api/coupon-templates', coupon('Gold 80 off', 'MJ600-80', ['gold']));
  const plus = await created(api, 'POST', '/api/coupon-templates', coupon('PLUS 30 off', 'MJ300-30'));
  const plan = {
    name: 'PLUS monthly',
    price: 1_500,
    term: 'monthly',
    benefits: { couponTemplateId: plus.id, pointsMultiplier: 2 },
  };
  await created(api, 'PUT', '/api/membership-plans/plus-monthly', plan);
  const badge = {
    name: 'Big spender',
    measure: { type: 'spend' },
    levels: [
      { name: 'bronze', threshold: 100_000, reward: { type: 'coupon', templateId: gold.id } },
      { name: 'silver', threshold: 400_000, reward: { type: 'points', points: 500 } },
    ],
  };
  await created(api, 'PUT', '/api/badges/big-spender', badge);
  const browser = {
    name: 'Browser',
    measure: { type: 'events', event: 'Product Viewed' },
    levels: [
      { name: 'looker', threshold: 2, reward: { type: 'points', points: 20 } },
      { name: 'browser', threshold: 8, reward: { type: 'coupon', templateId: plus.id } },
    ],
  };
  await created(api, 'PUT', '/api/badges/browser', browser);
  const referrals = {
    referrerReward: { type: 'points', points: 200 },
    refereeReward: { type: 'coupon', templateId: plus.id },
    returnWindowDays: 7,
  };
  expect((await api.request('PUT', '/api/referrals/program', { body: referrals })).status).toBe(200);
  const segments = [
    { name: 'Gold', definition: { type: 'tier', op: 'in', value: ['gold'] } },
    { name: 'Big spenders', definition: { type: 'feature', name: 'netSpend', op: 'gte', value: 200_000 } },
    { name: 'Point holders', definition: { type: 'points', balance: 'available', op: 'gte', value: 1_000 } },
  ];
  for (const segment of segments) await created(api, 'POST', '/api/segments', segment);
  return { goldTemplate: gold.id };
}

const order = (userId: string, orderId: string, yuan: number, at: number) => ({
  type: 'track',
  userId,
  event: 'Order Completed',
  timestamp: new Date(at).toISOString(),
  properties: { order_id: orderId, total: yuan, currency: 'CNY' },
});

/**
 * New members referred by demo members, on the plan, holding gold-only coupons: each order that lifts
 * one to Gold is followed by a checkout with the coupon, which the tier decides.
 */
async function addCheckouts(api: MemberApi, goldTemplate: string, referrers: string[]): Promise<void> {
  const at = until + day;
  for (const [index, userId] of vips.entries()) {
    const code = await api.request<{ code: string }>('POST', `/api/members/${referrers[index] ?? ''}/referral-code`);
    const signUp = { type: 'track', userId, event: 'Signed Up', timestamp: new Date(at).toISOString() };
    await api.sendAndProcess([{ ...signUp, properties: { referral_code: code.body.code } }]);
  }
  const members = await Promise.all(vips.map((userId) => api.memberIdOf('user_id', userId)));
  for (const [index, memberId] of members.entries()) {
    const subscribed = await api.request('POST', `/api/members/${memberId}/membership/subscribe`, {
      body: { planId: 'plus-monthly', paymentReference: `PAY-${index}` },
    });
    expect(subscribed.status).toBe(200);
  }
  const issued = await api.request('POST', `/api/coupon-templates/${goldTemplate}/issue`, {
    body: { memberIds: members },
  });
  expect(issued.status).toBe(202);
  await api.process();
  for (const [index, memberId] of members.entries()) {
    const userId = vips[index] ?? '';
    // A refused order (its total is not a number) between the member's orders counts in no cut.
    const refused = { ...order(userId, `${userId}-x`, 0, at + day), messageId: `${userId}-refused` };
    await api.sendAndProcess([
      { ...refused, properties: { ...refused.properties, total: 'oops' } },
      order(userId, `${userId}-1`, 3_500, at + day),
    ]);
    const held = await api.get<{ coupons: Array<{ id: string; jobId: string | null }> }>(
      `/api/members/${memberId}/coupons`,
    );
    // The one issued above (the badge's reward, of the same template, is valid only from the order on).
    const coupon = held.body.coupons.find((one) => one.jobId !== null);
    const redeemed = await api.request<{ error?: string }>('POST', `/api/coupons/${coupon?.id ?? ''}/redeem`, {
      body: { order: { orderId: `${userId}-2`, total: 70_000 } },
    });
    expect([redeemed.status, redeemed.body.error]).toEqual([200, undefined]);
    await api.sendAndProcess([order(userId, `${userId}-2`, 620, at + 2 * day)]);
  }
}

/**
 * Members who each looked at products both signed in and as a visitor, then signed in on the
 * visitor's device: the two profiles merge, each already holding the Browser badge.
 */
async function addLateMerges(api: MemberApi): Promise<void> {
  const at = until + 3 * day;
  const viewed = (ids: Record<string, string>, offset: number) => ({
    type: 'track',
    ...ids,
    event: 'Product Viewed',
    timestamp: new Date(at + offset).toISOString(),
    properties: { product_id: `p-${offset}` },
  });
  for (const userId of vips.slice(0, 3)) {
    const visitor = { anonymousId: `${userId}-phone` };
    await api.sendAndProcess([viewed({ userId }, 1), viewed({ userId }, 2)]);
    await api.sendAndProcess([viewed(visitor, 3), viewed(visitor, 4), viewed(visitor, 5)]);
    await api.sendAndProcess([{ type: 'identify', userId, ...visitor, timestamp: new Date(at + 6).toISOString() }]);
  }
}

/**
 * Saved segments are evaluated once per batch, at its latest receipt time, against the state the
 * whole batch left: when a member entered (`since`) and the sizes kept per day follow the cuts.
 * That is a known gap (reported, not fixed here); who is in which segment must not follow them.
 */
function withoutSegmentTiming(state: DerivedState): DerivedState {
  const withoutSince = (row: string) =>
    JSON.stringify((JSON.parse(row) as Array<[string, unknown]>).filter(([key]) => key !== 'since'));
  const { segment_sizes: _sizes, ...loyalty } = state.loyalty;
  return { ...state, loyalty: { ...loyalty, segment_members: (loyalty.segment_members ?? []).map(withoutSince) } };
}

/** Resets the derived state and processes the whole log again, each batch at most `limit()` events. */
async function processWith(running: TestServer, limit: () => number): Promise<DerivedState> {
  const { runtime } = running;
  const processor = createProcessor({
    database: runtime.database,
    clock: runtime.clock,
    logger: silentLogger,
    stages: [...runtime.stages],
    readEventsAfter,
    nextBatchLimit: limit,
  });
  await processor.reset();
  await processor.runUntilIdle();
  return snapshotDerivedState(runtime.database);
}

describe('processing one log cut into batches at different places', () => {
  it('derives the same state with batches of 1, of 5,000 and at seeded random cuts', async () => {
    const clock = createManualClock(until);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    const { goldTemplate } = await configure(api);
    const demo = await loadDemoData({
      ingest: server.runtime.ingest,
      workspaceId: server.workspaceId,
      members: 40,
      seed: 3,
    });
    expect([demo.rejected, demo.duplicates]).toEqual([0, 0]);
    await api.process();
    const referrers = await server.runtime.database.db
      .selectFrom('members')
      .select('id')
      .where('merged_into', 'is', null)
      .orderBy('id')
      .limit(vips.length)
      .execute();
    await addCheckouts(
      api,
      goldTemplate,
      referrers.map((row) => row.id),
    );
    await addLateMerges(api);
    clock.set(until + 20 * day);
    await server.runtime.ticker.runOnce();
    await api.process();
    await server.runtime.processor.stop();

    const one = await processWith(server, () => 1);
    const whole = await processWith(server, () => 5_000);
    const random = createRandom(26);
    const cut = await processWith(server, () => random.int(1, 300));
    // The log did exercise what the cuts could change: checkouts that needed Gold, plans, badges, referrals, segments.
    const rows = (table: string) =>
      (one.loyalty[table] ?? []).map((row) => Object.fromEntries(JSON.parse(row) as Array<[string, unknown]>));
    const checkouts = rows('coupons').filter((row) => String(row.order_id).match(/^vip-\d-2$/));
    expect(checkouts.map((row) => row.status)).toEqual(vips.map(() => 'redeemed'));
    expect(rows('referrals').map((row) => row.status)).toEqual(vips.map(() => 'rewarded'));
    expect(rows('memberships')).toHaveLength(vips.length);
    expect(rows('event_refusals').map((row) => row.message_id)).toEqual(vips.map((vip) => `${vip}-refused`));
    expect(rows('loyalty_tier_changes').filter((row) => row.to_tier === 'gold').length).toBeGreaterThan(vips.length);
    expect(rows('member_badges').length).toBeGreaterThan(10);
    expect(rows('segment_members').length).toBeGreaterThan(10);
    expect(withoutSegmentTiming(whole)).toEqual(withoutSegmentTiming(one));
    expect(withoutSegmentTiming(cut)).toEqual(withoutSegmentTiming(one));
  }, 300_000);
});
