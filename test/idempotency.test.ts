import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const start = Date.UTC(2026, 4, 1, 2, 0, 0);

const keyReused = {
  error: 'idempotency_key_reused',
  message: 'this Idempotency-Key was used for a different request',
  issues: [{ path: 'headers.idempotency-key', message: 'already used for a different request' }],
};

let server: TestServer;
let api: MemberApi;
let ana: string;
let bob: string;
let keys = 0;

beforeAll(async () => {
  server = await startTestServer({ clock: createManualClock(start), workspace: { currency: 'CNY' } });
  api = createMemberApi(server);
  await api.sendAndProcess(['ana', 'bob'].map((userId) => ({ type: 'identify', userId, traits: {} })));
  [ana, bob] = (await Promise.all(['ana', 'bob'].map((person) => api.memberIdOf('user_id', person)))) as [
    string,
    string,
  ];
  const program = { name: 'Points', earning: [] };
  expect((await api.request('PUT', '/api/loyalty/program', { body: program })).status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

interface Sent {
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Sends a request with a key, the same request again, and another request with the same key: the
 * retry gets the first answer exactly, the other request a 422 naming the key.
 */
async function expectIdempotent<T>(method: string, path: string, first: Sent, other: Sent, status: number) {
  const key = { 'idempotency-key': `key-${(keys += 1)}` };
  const send = (sent: Sent) => api.request<T>(method, path, { body: sent.body, headers: { ...sent.headers, ...key } });
  const answer = await send(first);
  const retry = await send(first);
  const reused = await send(other);
  expect([answer.status, retry.status, retry.body]).toEqual([status, status, answer.body]);
  expect([reused.status, reused.body]).toEqual([422, keyReused]);
  return answer.body;
}

describe('every route taking an Idempotency-Key', () => {
  it('tags: a retry answers the first change (even one naming nobody); another change under the key is a 422', async () => {
    const tag = await api.request<{ id: string }>('POST', '/api/tags', {
      body: { family: 'basic', name: 'vip', kind: 'manual' },
    });
    const members = `/api/tags/${tag.body.id}/members`;
    const answer = await expectIdempotent(
      'POST',
      members,
      { body: { add: [ana, 'mem_nobody'] } },
      { body: { add: [bob] } },
      200,
    );
    expect(answer).toEqual({
      requested: { add: 1, remove: 0 },
      members: 1,
      unknown: [{ position: 2, reference: 'mem_nobody', reason: expect.any(String) as unknown }],
    });
    const csv = { 'content-type': 'text/csv' };
    await expectIdempotent(
      'POST',
      `${members}/upload`,
      { body: 'user_id\nbob\n', headers: csv },
      { body: 'user_id\nana\n', headers: csv },
      200,
    );
    await expectIdempotent(
      'POST',
      members,
      { body: { add: ['mem_nobody'] } },
      { body: { remove: ['mem_nobody'] } },
      200,
    );
    const carried = await api.get<{ members: Array<{ memberId: string }> }>(members);
    expect(carried.body.members.map((member) => member.memberId).sort()).toEqual([ana, bob].sort());
  });

  it('segments: a retry answers the segment first saved; another definition under the key is a 422', async () => {
    const segment = (city: string) => ({
      name: 'Shanghai',
      definition: { type: 'trait', path: 'city', op: 'eq', value: city },
    });
    const saved = await expectIdempotent<{ id: string }>(
      'POST',
      '/api/segments',
      { body: segment('Shanghai') },
      { body: segment('Beijing') },
      201,
    );
    const listed = await api.get<{ segments: Array<{ id: string }> }>('/api/segments');
    expect(listed.body.segments.map((one) => one.id)).toEqual([saved.id]);
  });

  it('points, stores and store grants', async () => {
    await expectIdempotent(
      'POST',
      `/api/members/${ana}/points/adjust`,
      { body: { points: 5, reason: 'welcome' } },
      { body: { points: 6, reason: 'welcome' } },
      200,
    );
    await expectIdempotent('PUT', '/api/stores/SH-001', { body: { name: 'Xuhui' } }, { body: { name: 'Pudong' } }, 201);
    expect(
      (await api.request('POST', '/api/stores/SH-001/budget', { body: { points: 100, reference: 'INV-1' } })).status,
    ).toBe(200);
    const grant = { member: ana, points: 10, reason: 'store event' };
    await expectIdempotent(
      'POST',
      '/api/stores/SH-001/grants',
      { body: grant },
      { body: { ...grant, points: 20 } },
      200,
    );
    const points = await api.get<{ available: number }>(`/api/members/${ana}/points`);
    expect(points.body.available).toBe(15);
  });

  it('badges, coupon templates, issues, claims and coupon actions', async () => {
    const medal = (threshold: number) => ({
      name: 'Reviewer',
      measure: { type: 'events', event: 'Product Reviewed' },
      levels: [{ name: 'reviewer', threshold }],
    });
    await expectIdempotent('PUT', '/api/badges/reviewer', { body: medal(2) }, { body: medal(3) }, 201);
    const template = (code: string) => ({
      name: 'Welcome',
      discount: { type: 'amount', amount: 1_000 },
      validity: { type: 'afterIssue', days: 30 },
      perMemberLimit: 5,
      codes: { type: 'shared', code },
    });
    const created = await expectIdempotent<{ id: string }>(
      'POST',
      '/api/coupon-templates',
      { body: template('WELCOME') },
      { body: template('HELLO') },
      201,
    );
    const path = `/api/coupon-templates/${created.id}`;
    await expectIdempotent('PUT', path, { body: template('WELCOME') }, { body: template('HELLO') }, 200);
    const issued = await expectIdempotent<{ coupon: { id: string } }>(
      'POST',
      `${path}/issue`,
      { body: { memberId: ana } },
      { body: { memberId: bob } },
      201,
    );
    await expectIdempotent(
      'POST',
      `/api/members/${bob}/coupons/claim`,
      { body: { code: 'WELCOME' } },
      { body: { code: 'WELCOMES' } },
      201,
    );
    await expectIdempotent(
      'POST',
      `/api/coupons/${issued.coupon.id}/revoke`,
      { body: { reason: 'sent by mistake' } },
      { body: { reason: 'another reason' } },
      200,
    );
  });

  it('referrals, product codes and memberships', async () => {
    const program = (points: number) => ({
      referrerReward: { type: 'points', points },
      refereeReward: { type: 'points', points: 50 },
      linkBase: 'https://brand.example/r/',
    });
    await expectIdempotent('PUT', '/api/referrals/program', { body: program(200) }, { body: program(300) }, 200);
    const code = await api.request<{ code: string }>('POST', `/api/members/${ana}/referral-code`);
    await expectIdempotent(
      'POST',
      '/api/referrals/link',
      { body: { member: bob, code: code.body.code } },
      { body: { member: bob, code: 'NOPE2345' } },
      201,
    );
    const batch = (count: number) => ({ name: 'Tins', count, worth: { type: 'points', points: 50 } });
    const made = await expectIdempotent<{ id: string }>(
      'POST',
      '/api/code-batches',
      { body: batch(2) },
      { body: batch(3) },
      201,
    );
    const csv = await fetch(`${server.url}/api/code-batches/${made.id}/codes`, {
      headers: { authorization: server.apiAuth },
    });
    const [first, second] = (await csv.text())
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0] ?? '');
    await expectIdempotent(
      'POST',
      '/api/codes/scan',
      { body: { code: first, member: ana } },
      { body: { code: second, member: ana } },
      200,
    );
    const plan = (price: number) => ({ name: 'PLUS yearly', price, term: 'yearly', benefits: {} });
    await expectIdempotent('PUT', '/api/membership-plans/plus', { body: plan(9_900) }, { body: plan(8_800) }, 201);
    const subscribe = (paymentReference: string) => ({ body: { planId: 'plus', paymentReference } });
    await expectIdempotent(
      'POST',
      `/api/members/${ana}/membership/subscribe`,
      subscribe('PAY-1'),
      subscribe('PAY-2'),
      200,
    );
  });
});
