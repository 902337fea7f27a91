import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 4, 1, 2, 0, 0);

interface View {
  status: string;
  planId: string | null;
  periodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  payments: Array<{ reference: string; kind: string; amount: number; refundedAt: string | null }>;
  savings: { amount: number; orders: number } | null;
  wouldSave: Array<{ planId: string; amount: number; orders: number; net: number }>;
  error?: string;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('paid membership', () => {
  it('runs trial, subscription, cancel, renewal and refund, and shows savings this term and what each plan would save', async () => {
    const clock = createManualClock(start);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    const order = (orderId: string, yuan: number, at: number) => ({
      type: 'track',
      userId: 'ana',
      event: 'Order Completed',
      timestamp: new Date(at).toISOString(),
      properties: { order_id: orderId, total: yuan, currency: 'CNY' },
    });
    const earning = [
      {
        id: 'orders',
        name: '1 point per CNY',
        event: 'Order Completed',
        award: { kind: 'perAmount', points: 1, per: 100 },
      },
    ];
    expect((await api.request('PUT', '/api/loyalty/program', { body: { name: 'Points', earning } })).status).toBe(200);
    await api.sendAndProcess([
      order('a', 200, start - 100 * day),
      order('b', 200, start - 50 * day),
      order('c', 200, start - day),
    ]);
    const ana = await api.memberIdOf('user_id', 'ana');
    const template = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'PLUS monthly 10 off',
        discount: { type: 'amount', amount: 1_000 },
        validity: { type: 'afterIssue', days: 30 },
        perMemberLimit: 100,
        codes: { type: 'shared', code: 'PLUS-MONTHLY' },
      },
    });
    const partner = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'Video VIP month',
        discount: { type: 'amount', amount: 1 },
        validity: { type: 'afterIssue', days: 30 },
        perMemberLimit: 100,
        codes: { type: 'imported' },
      },
    });
    await api.request('POST', `/api/coupon-templates/${partner.body.id}/codes/import`, {
      body: { codes: ['VID-0001', 'VID-0002'] },
    });
    const monthly = {
      name: 'PLUS monthly',
      price: 1_500,
      term: 'monthly',
      trialDays: 7,
      benefits: {
        memberPriceDiscountPercent: 5,
        freeShipping: true,
        couponTemplateId: template.body.id,
        pointsMultiplier: 2,
        partnerCodeTemplateIds: [partner.body.id],
      },
    };
    const bad = await api.request<{ issues: Array<{ path: string }> }>('PUT', '/api/membership-plans/bad', {
      body: { ...monthly, benefits: { couponTemplateId: 'ctp_none' } },
    });
    expect([bad.status, bad.body.issues[0]?.path]).toEqual([400, 'body.benefits.couponTemplateId']);
    expect((await api.request('PUT', '/api/membership-plans/plus-monthly', { body: monthly })).status).toBe(201);
    const yearly = { name: 'PLUS yearly', price: 9_900, term: 'yearly', benefits: { memberPriceDiscountPercent: 5 } };
    expect((await api.request('PUT', '/api/membership-plans/plus-yearly', { body: yearly })).status).toBe(201);

    const before = await api.get<View>(`/api/members/${ana}/membership`);
    expect([before.body.status, before.body.savings]).toEqual(['none', null]);
    // 600 CNY of orders in the last 12 months: 5% is 30 CNY, and twelve 10 CNY coupons with the monthly plan.
    expect(before.body.wouldSave).toEqual([
      expect.objectContaining({ planId: 'plus-monthly', amount: 15_000, orders: 3, net: 15_000 - 18_000 }),
      expect.objectContaining({ planId: 'plus-yearly', amount: 3_000, orders: 3, net: 3_000 - 9_900 }),
    ]);

    const act = (path: string, body?: unknown) =>
      api.request<View>('POST', `/api/members/${ana}/membership/${path}`, body === undefined ? {} : { body });
    const trial = await act('subscribe', { planId: 'plus-monthly', paymentReference: 'SIGNUP-1', trial: true });
    expect([trial.status, trial.body.status, trial.body.periodEnd]).toEqual([
      200,
      'trial',
      new Date(start + 7 * day).toISOString(),
    ]);
    expect((await act('subscribe', { planId: 'plus-monthly', paymentReference: 'SIGNUP-1', trial: true })).status).toBe(
      200,
    );
    const twice = await act('subscribe', { planId: 'plus-yearly', paymentReference: 'PAY-0' });
    expect([twice.status, twice.body.error]).toEqual([409, 'already_member']);

    clock.set(start + 8 * day);
    expect((await api.get<View>(`/api/members/${ana}/membership`)).body.status).toBe('expired');
    const trialAgain = await act('subscribe', { planId: 'plus-monthly', paymentReference: 'SIGNUP-2', trial: true });
    expect([trialAgain.status, trialAgain.body.error]).toEqual([409, 'trial_used']);
    const paid = await act('subscribe', { planId: 'plus-monthly', paymentReference: 'PAY-1' });
    expect([paid.body.status, paid.body.periodEnd]).toEqual([
      'active',
      new Date(start + 8 * day + 31 * day).toISOString(),
    ]);

    clock.set(start + 10 * day);
    await api.sendAndProcess([order('d', 300, start + 9 * day)]);
    // The trial brought the plan's coupon; the paid term brought it again, and a partner's code.
    const coupons = await api.get<{ coupons: Array<{ id: string; templateId: string; code: string }> }>(
      `/api/members/${ana}/coupons`,
    );
    expect(coupons.body.coupons.map((coupon) => coupon.code).sort()).toEqual([
      'PLUS-MONTHLY',
      'PLUS-MONTHLY',
      'VID-0001',
    ]);
    const planCoupon = coupons.body.coupons.find((coupon) => coupon.templateId === template.body.id);
    const redeemed = await api.request('POST', `/api/coupons/${planCoupon?.id ?? ''}/redeem`, {
      body: { order: { orderId: 'd', total: 30_000 } },
    });
    expect(redeemed.status).toBe(200);
    // 600 points from the three orders before the membership; the 300 CNY order during it earns twice.
    const points = await api.get<{ lifetimeEarned: number }>(`/api/members/${ana}/points`);
    expect(points.body.lifetimeEarned).toBe(600 + 300 + 300);
    const history = await api.get<{ entries: Array<{ source: { type: string; id: string } }> }>(
      `/api/members/${ana}/points/history`,
    );
    expect(history.body.entries[0]?.source).toEqual({ type: 'benefit', id: 'membership:plus-monthly' });
    const term = await api.get<View>(`/api/members/${ana}/membership`);
    expect(term.body.savings).toMatchObject({ amount: 1_500 + 1_000, orders: 1 });

    const cancelled = await act('cancel');
    expect([cancelled.body.status, cancelled.body.cancelAtPeriodEnd]).toEqual(['cancelled', true]);
    const renewed = await act('renew', { paymentReference: 'PAY-2' });
    expect([renewed.body.status, renewed.body.cancelAtPeriodEnd, renewed.body.periodEnd]).toEqual([
      'active',
      false,
      new Date(start + 8 * day + 31 * day + 30 * day).toISOString(),
    ]);
    const refunded = await act('refund', { paymentReference: 'PAY-2' });
    expect([
      refunded.body.status,
      refunded.body.payments.map((payment) => [
        payment.reference,
        payment.kind,
        payment.amount,
        payment.refundedAt !== null,
      ]),
    ]).toEqual([
      'refunded',
      [
        ['SIGNUP-1', 'trial', 0, false],
        ['PAY-1', 'subscribe', 1_500, false],
        ['PAY-2', 'renew', 1_500, true],
      ],
    ]);

    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
  });

  it('gives a yearly member a coupon each month of the term, and says when the term ran out', async () => {
    const clock = createManualClock(start);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    await api.sendAndProcess([{ type: 'identify', userId: 'ana', traits: {} }]);
    const ana = await api.memberIdOf('user_id', 'ana');
    const template = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'PLUS monthly pack',
        discount: { type: 'amount', amount: 500 },
        validity: { type: 'afterIssue', days: 30 },
        perMemberLimit: 100,
        codes: { type: 'shared', code: 'PLUS-PACK' },
      },
    });
    const yearly = {
      name: 'PLUS yearly',
      price: 9_900,
      term: 'yearly',
      benefits: { couponTemplateId: template.body.id },
    };
    expect((await api.request('PUT', '/api/membership-plans/plus-yearly', { body: yearly })).status).toBe(201);
    const subscribed = await api.request<View>('POST', `/api/members/${ana}/membership/subscribe`, {
      body: { planId: 'plus-yearly', paymentReference: 'Y-1' },
    });
    expect(subscribed.body.status).toBe('active');
    const coupons = async () =>
      (await api.get<{ coupons: unknown[] }>(`/api/members/${ana}/coupons?limit=200`)).body.coupons.length;
    expect(await coupons()).toBe(1);
    clock.set(start + 32 * day);
    await server.runtime.ticker.runOnce();
    expect(await coupons()).toBe(2);
    clock.set(start + 400 * day);
    while ((await server.runtime.ticker.runOnce()) > 0);
    expect(await coupons()).toBe(12);
    expect((await api.get<View>(`/api/members/${ana}/membership`)).body.status).toBe('expired');
    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
  });
});
