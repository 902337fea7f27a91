import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { runHearth } from './support/hearth-cli.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 4, 1, 2, 0, 0);

interface Coupon {
  id: string;
  memberId: string;
  code: string;
  status: string;
  cohort: string;
  orderId: string | null;
  discount: number | null;
  orderTotal: number | null;
  redeemedAt: string | null;
}
interface Refusal {
  error: string;
  message: string;
  issues?: Array<{ path: string; message: string }>;
}
interface Job {
  id: string;
  total: number;
  processed: number;
  issued: number;
  skipped: Record<string, number>;
  done: boolean;
}

const template = {
  name: 'Milk powder 20 off 100',
  discount: { type: 'amount', amount: 2_000 },
  minimumSpend: 10_000,
  applicability: { categories: ['milk powder'] },
  validity: { type: 'afterIssue', days: 30 },
  quantity: 3,
  costCentre: 'CRM',
  codes: { type: 'generated', pattern: 'HX-####-????' },
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(): Promise<{ api: MemberApi; clock: ReturnType<typeof createManualClock>; ids: string[] }> {
  const clock = createManualClock(start);
  server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
  const api = createMemberApi(server);
  const people = ['ana', 'bob', 'carl', 'dan'];
  await api.sendAndProcess(
    people.map((userId) => ({ type: 'identify', userId, traits: {}, timestamp: new Date(start).toISOString() })),
  );
  return { api, clock, ids: await Promise.all(people.map((person) => api.memberIdOf('user_id', person))) };
}

const milkOrder = (orderId: string, milk: number) => ({
  orderId,
  total: milk + 5_000,
  lines: [
    { productId: 'milk-1', category: 'milk powder', amount: milk },
    { productId: 'wipes-1', category: 'wipes', amount: 5_000 },
  ],
});

describe('coupons through the HTTP API', () => {
  it('issues within quantity and member limits, checks checkout rules, redeems once, reports by cohort, replays', async () => {
    const { api, clock, ids } = await setUp();
    const [ana, bob, carl, dan] = ids as [string, string, string, string];
    const bad = await api.request<Refusal>('POST', '/api/coupon-templates', {
      body: { ...template, discount: { type: 'percent', percent: 150 } },
    });
    expect([bad.status, bad.body.issues?.[0]?.path]).toEqual([400, 'body.discount.percent']);

    const created = await api.request<{ id: string; remaining: number; codesAvailable: number }>(
      'POST',
      '/api/coupon-templates',
      { body: template, headers: { 'idempotency-key': 'tpl-1' } },
    );
    expect([created.status, created.body.remaining, created.body.codesAvailable]).toEqual([201, 3, 0]);
    const again = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: template,
      headers: { 'idempotency-key': 'tpl-1' },
    });
    expect([again.status, again.body.id]).toEqual([201, created.body.id]);
    const clash = await api.request<Refusal>('POST', '/api/coupon-templates', { body: template });
    expect([clash.status, clash.body.error]).toEqual([409, 'name_taken']);
    const templateId = created.body.id;

    const noCodes = await api.request<Refusal>('POST', `/api/coupon-templates/${templateId}/issue`, {
      body: { memberId: ana },
    });
    expect([noCodes.status, noCodes.body.error]).toEqual([409, 'no_codes_left']);
    const generated = await api.request<{ added: number; codesAvailable: number }>(
      'POST',
      `/api/coupon-templates/${templateId}/codes/generate`,
      { body: { count: 10 } },
    );
    expect([generated.status, generated.body.added, generated.body.codesAvailable]).toEqual([200, 10, 10]);

    const issued = await api.request<{ coupon: Coupon }>('POST', `/api/coupon-templates/${templateId}/issue`, {
      body: { memberId: ana },
    });
    expect([issued.status, issued.body.coupon.status, issued.body.coupon.memberId]).toEqual([201, 'issued', ana]);
    expect(issued.body.coupon.code).toMatch(/^HX-\d{4}-[A-HJ-NP-Z]{4}$/);
    const coupon = issued.body.coupon;
    const twice = await api.request<Refusal>('POST', `/api/coupon-templates/${templateId}/issue`, {
      body: { memberId: ana },
    });
    expect([twice.status, twice.body.error]).toEqual([409, 'member_limit']);

    const collected = await api.request<{ coupon: Coupon }>('POST', `/api/coupons/${coupon.id}/collect`);
    expect([collected.status, collected.body.coupon.status]).toEqual([200, 'collected']);
    const wipesOnly = { orderId: 'o-1', total: 20_000, lines: [{ category: 'wipes', amount: 20_000 }] };
    const refusals = [];
    for (const order of [wipesOnly, milkOrder('o-1', 8_000)]) {
      const refused = await api.request<Refusal>('POST', `/api/coupons/${coupon.id}/reserve`, { body: { order } });
      refusals.push([refused.status, refused.body.error]);
    }
    expect(refusals).toEqual([
      [409, 'not_applicable'],
      [409, 'minimum_spend'],
    ]);
    const held = await api.request<{ coupon: Coupon }>('POST', `/api/coupons/${coupon.id}/reserve`, {
      body: { order: milkOrder('o-1', 15_000) },
    });
    expect([held.status, held.body.coupon.status, held.body.coupon.discount]).toEqual([200, 'reserved', 2_000]);
    const redeemed = await api.request<{ coupon: Coupon }>('POST', `/api/coupons/${coupon.id}/redeem`, {
      body: { orderId: 'o-1' },
    });
    expect([redeemed.body.coupon.status, redeemed.body.coupon.orderTotal]).toEqual(['redeemed', 20_000]);
    const sameOrder = await api.request<{ coupon: Coupon }>('POST', `/api/coupons/${coupon.id}/redeem`, {
      body: { orderId: 'o-1' },
    });
    expect([sameOrder.status, sameOrder.body.coupon.redeemedAt]).toEqual([200, redeemed.body.coupon.redeemedAt]);
    const otherOrder = await api.request<Refusal>('POST', `/api/coupons/${coupon.id}/redeem`, {
      body: { order: milkOrder('o-2', 15_000) },
    });
    expect([otherOrder.status, otherOrder.body.error]).toEqual([409, 'already_redeemed']);

    const listed = await api.request<{ job: Job }>('POST', `/api/coupon-templates/${templateId}/issue`, {
      body: { memberIds: [bob, carl, 'no-such-member', ana], cohort: 'targeted' },
    });
    expect(listed.status).toBe(202);
    await api.process();
    const job = await api.get<Job>(`/api/coupon-jobs/${listed.body.job.id}`);
    expect(job.body).toMatchObject({
      total: 4,
      processed: 4,
      issued: 2,
      skipped: { unknown_member: 1, quantity_exhausted: 1 },
      done: true,
    });
    const exhausted = await api.request<Refusal>('POST', `/api/coupon-templates/${templateId}/issue`, {
      body: { memberId: dan },
    });
    expect([exhausted.status, exhausted.body.error]).toEqual([409, 'quantity_exhausted']);

    // Bob's shop sends the order with the code: the coupon is his, and redeemed with the reported discount.
    const bobs = await api.get<{ coupons: Coupon[] }>(`/api/members/${bob}/coupons`);
    const bobCoupon = bobs.body.coupons[0] as Coupon;
    await api.sendAndProcess([
      {
        type: 'track',
        userId: 'bob',
        event: 'Order Completed',
        timestamp: new Date(start + 1_000).toISOString(),
        properties: { order_id: 'shop-9', total: 300, discount: 20, currency: 'CNY', coupon: bobCoupon.code },
      },
    ]);
    const bobAfter = await api.get<Coupon>(`/api/coupons/${bobCoupon.id}`);
    expect([bobAfter.body.status, bobAfter.body.orderId, bobAfter.body.discount, bobAfter.body.orderTotal]).toEqual([
      'redeemed',
      'shop-9',
      2_000,
      30_000,
    ]);

    clock.set(start + 31 * day);
    const expired = await api.get<{ coupons: Coupon[] }>(`/api/members/${carl}/coupons?status=expired`);
    expect(expired.body.coupons.map((held) => held.status)).toEqual(['expired']);
    const report = await api.get<Record<string, unknown>>(`/api/coupon-templates/${templateId}/report`);
    expect(report.body).toMatchObject({
      issued: 3,
      collected: 2,
      redeemed: 2,
      expired: 1,
      collectionRate: 0.6667,
      redemptionRate: 0.6667,
      discountCost: 4_000,
      attributedRevenue: 50_000,
      currency: 'CNY',
      costCentre: 'CRM',
      cohorts: [
        expect.objectContaining({ cohort: 'default', issued: 1, redeemed: 1, redemptionRate: 1 }),
        expect.objectContaining({ cohort: 'targeted', issued: 2, redeemed: 1, expired: 1, redemptionRate: 0.5 }),
      ],
    });

    const { live, replayed } = await replayInPlace(server?.runtime as NonNullable<typeof server>['runtime']);
    expect(replayed).toEqual(live);
  });

  it('lets members claim a shared code up to the quantity, a printed code once, and refuses unknown codes', async () => {
    const { api, ids } = await setUp();
    const [ana, bob, carl] = ids as [string, string, string];
    const shared = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'Welcome 10%',
        discount: { type: 'percent', percent: 10, maxAmount: 1_500 },
        validity: { type: 'fixed', from: '2026-04-01T00:00:00Z', to: '2026-06-01T00:00:00Z' },
        quantity: 2,
        codes: { type: 'shared', code: 'welcome10' },
      },
    });
    expect(shared.status).toBe(201);
    const claims = [];
    for (const member of [ana, bob, carl]) {
      const claimed = await api.request<{ coupon?: Coupon; error?: string }>(
        'POST',
        `/api/members/${member}/coupons/claim`,
        { body: { code: 'WELCOME10' } },
      );
      claims.push([claimed.status, claimed.body.coupon?.status ?? claimed.body.error]);
    }
    expect(claims).toEqual([
      [201, 'collected'],
      [201, 'collected'],
      [409, 'quantity_exhausted'],
    ]);
    const coupons = await api.get<{ coupons: Coupon[] }>(`/api/members/${ana}/coupons`);
    const anaCoupon = coupons.body.coupons[0] as Coupon;
    const priced = await api.request<{ coupon: Coupon }>('POST', `/api/coupons/${anaCoupon.id}/redeem`, {
      body: { order: { orderId: 'big', total: 50_000 } },
    });
    expect([priced.body.coupon.status, priced.body.coupon.discount]).toEqual(['redeemed', 1_500]);

    const printed = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'On the tin',
        discount: { type: 'amount', amount: 500 },
        validity: { type: 'afterIssue', days: 90 },
        codes: { type: 'imported' },
      },
    });
    const imported = await api.request<{ added: number; duplicates: number }>(
      'POST',
      `/api/coupon-templates/${printed.body.id}/codes/import`,
      { body: { codes: ['tin-0001', 'TIN-0002', 'tin-0002'] } },
    );
    expect([imported.body.added, imported.body.duplicates]).toEqual([2, 1]);
    const first = await api.request<{ coupon: Coupon }>('POST', `/api/members/${bob}/coupons/claim`, {
      body: { code: 'tin-0001' },
    });
    const repeat = await api.request<{ coupon: Coupon }>('POST', `/api/members/${bob}/coupons/claim`, {
      body: { code: 'TIN-0001' },
    });
    const stolen = await api.request<Refusal>('POST', `/api/members/${carl}/coupons/claim`, {
      body: { code: 'TIN-0001' },
    });
    const unknown = await api.request<Refusal>('POST', `/api/members/${carl}/coupons/claim`, {
      body: { code: 'TIN-9999' },
    });
    expect([
      [first.status, first.body.coupon.code],
      [repeat.status, repeat.body.coupon.id === first.body.coupon.id],
      [stolen.status, stolen.body.error],
      [unknown.status, unknown.body.error],
    ]).toEqual([
      [201, 'TIN-0001'],
      [200, true],
      [409, 'code_taken'],
      [404, 'unknown_code'],
    ]);
    const csv = await fetch(`${server?.url}/api/coupon-templates/${printed.body.id}/codes`, {
      headers: { authorization: server?.apiAuth ?? '' },
    });
    const expected = `code,position,member_id,status\nTIN-0001,1,${bob},collected\nTIN-0002,2,,unissued\n`;
    expect(await csv.text()).toBe(expected);
    const location = server?.database.location ?? '';
    const exported = await runHearth(['export', 'coupon-codes', printed.body.id, '--db', location]);
    expect([exported.code, exported.stdout]).toEqual([0, expected]);
    const missing = await runHearth(['export', 'coupon-codes', 'ctp_none', '--db', location]);
    expect([missing.code, missing.stderr]).toEqual([1, 'hearth: there is no coupon template ctp_none\n']);
  });

  it('issues to a saved segment as a job, follows a merge, and lets only stackable coupons share an order', async () => {
    const { api, ids } = await setUp();
    const [ana, bob] = ids as [string, string];
    await api.sendAndProcess([
      { type: 'identify', userId: 'ana', traits: { city: 'Shanghai' } },
      { type: 'identify', userId: 'bob', traits: { city: 'Shanghai' } },
      { type: 'identify', anonymousId: 'visitor-7', traits: { city: 'Shanghai' } },
    ]);
    const segment = await api.request<{ id: string }>('POST', '/api/segments', {
      body: { name: 'Shanghai', definition: { type: 'trait', path: 'city', op: 'eq', value: 'Shanghai' } },
    });
    const stacking = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'Stackable 5%',
        discount: { type: 'percent', percent: 5 },
        validity: { type: 'afterIssue', days: 7 },
        stackable: true,
        codes: { type: 'shared', code: 'STACK5' },
      },
    });
    const issued = await api.request<{ job: Job }>('POST', `/api/coupon-templates/${stacking.body.id}/issue`, {
      body: { segmentId: segment.body.id, cohort: 'shanghai' },
    });
    expect([issued.status, issued.body.job.total]).toEqual([202, 3]);
    await api.process();
    const job = await api.get<Job>(`/api/coupon-jobs/${issued.body.job.id}`);
    expect([job.body.issued, job.body.done]).toEqual([3, true]);

    // The visitor turns out to be Ana: the visitor's coupon is hers now, and her limit counts both.
    await api.sendAndProcess([{ type: 'identify', userId: 'ana', anonymousId: 'visitor-7' }]);
    const anas = await api.get<{ coupons: Coupon[] }>(`/api/members/${ana}/coupons`);
    expect(anas.body.coupons.map((coupon) => coupon.memberId)).toEqual([ana, ana]);

    const plain = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'Plain 10 off',
        discount: { type: 'amount', amount: 1_000 },
        validity: { type: 'afterIssue', days: 7 },
        codes: { type: 'shared', code: 'PLAIN10' },
      },
    });
    const bobs = (await api.get<{ coupons: Coupon[] }>(`/api/members/${bob}/coupons`)).body.coupons;
    const plainCoupon = await api.request<{ coupon: Coupon }>('POST', `/api/members/${bob}/coupons/claim`, {
      body: { code: 'PLAIN10' },
    });
    const order = { orderId: 'cart-1', total: 10_000 };
    const first = await api.request<{ coupon: Coupon }>('POST', `/api/coupons/${bobs[0]?.id ?? ''}/reserve`, {
      body: { order },
    });
    const second = await api.request<Refusal>('POST', `/api/coupons/${plainCoupon.body.coupon.id}/reserve`, {
      body: { order },
    });
    expect([first.body.coupon.discount, second.status, second.body.error]).toEqual([500, 409, 'not_stackable']);
    const released = await api.request<{ coupon: Coupon }>('POST', `/api/coupons/${bobs[0]?.id ?? ''}/release`, {
      body: { orderId: 'cart-1' },
    });
    expect(released.body.coupon.status).toBe('collected');
    const alone = await api.request<{ coupon: Coupon }>('POST', `/api/coupons/${plainCoupon.body.coupon.id}/reserve`, {
      body: { order },
    });
    expect([alone.status, alone.body.coupon.discount]).toEqual([200, 1_000]);
    const renamed = await api.request<{ name: string; issued: number }>(
      'PUT',
      `/api/coupon-templates/${plain.body.id}`,
      {
        body: {
          name: 'Plain 10 off (May)',
          discount: { type: 'amount', amount: 1_000 },
          validity: { type: 'afterIssue', days: 7 },
          codes: { type: 'generated', pattern: 'PL-######' },
        },
      },
    );
    expect([renamed.status, (renamed.body as unknown as Refusal).error]).toEqual([409, 'codes_changed']);
  });

  it('marks a coupon redeemed from a Coupon Applied event naming our coupon id', async () => {
    const { api, ids } = await setUp();
    const [ana] = ids as [string];
    await api.request('POST', '/api/coupon-templates', {
      body: {
        name: 'Apply 5',
        discount: { type: 'amount', amount: 500 },
        validity: { type: 'afterIssue', days: 7 },
        codes: { type: 'shared', code: 'APPLY5' },
      },
    });
    const claimed = await api.request<{ coupon: Coupon }>('POST', `/api/members/${ana}/coupons/claim`, {
      body: { code: 'APPLY5' },
    });
    await api.sendAndProcess([
      {
        type: 'track',
        userId: 'ana',
        event: 'Coupon Applied',
        timestamp: new Date(start + 60_000).toISOString(),
        properties: { coupon_id: claimed.body.coupon.id, order_id: 'web-1', total: 100, discount: 5 },
      },
    ]);
    const after = await api.get<Coupon>(`/api/coupons/${claimed.body.coupon.id}`);
    expect([after.body.status, after.body.orderId, after.body.discount, after.body.orderTotal]).toEqual([
      'redeemed',
      'web-1',
      500,
      10_000,
    ]);
  });
});
