import { afterEach, describe, expect, it } from 'vitest';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

interface Answer {
  coupon?: { id: string; code: string; status: string; orderId: string | null };
  error?: string;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function membersOf(api: MemberApi, count: number): Promise<string[]> {
  const people = Array.from({ length: count }, (_, index) => `person-${index}`);
  await api.sendAndProcess(people.map((userId) => ({ type: 'identify', userId, traits: {} })));
  return Promise.all(people.map((person) => api.memberIdOf('user_id', person)));
}

async function createTemplate(api: MemberApi, body: Record<string, unknown>): Promise<string> {
  const created = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
    body: { discount: { type: 'amount', amount: 1_000 }, validity: { type: 'afterIssue', days: 30 }, ...body },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const tally = (answers: Array<{ status: number; body: Answer }>) => {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = `${answer.status} ${answer.body.error ?? answer.body.coupon?.status ?? ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

describe('coupons under concurrency', () => {
  it('hands a shared code to exactly its quantity of 200 members claiming at once', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    const members = await membersOf(api, 200);
    const templateId = await createTemplate(api, {
      name: 'First 50',
      quantity: 50,
      codes: { type: 'shared', code: 'FIRST50' },
    });
    const answers = await Promise.all(
      members.map((member) =>
        api.request<Answer>('POST', `/api/members/${member}/coupons/claim`, { body: { code: 'first50' } }),
      ),
    );
    expect(tally(answers)).toEqual({ '201 collected': 50, '409 quantity_exhausted': 150 });
    const template = await api.get<{ issued: number; remaining: number }>(`/api/coupon-templates/${templateId}`);
    expect([template.body.issued, template.body.remaining]).toEqual([50, 0]);
  });

  it('redeems one coupon once when 50 checkouts try at once, and a retried key gives the first answer', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    const [member] = await membersOf(api, 1);
    await createTemplate(api, { name: 'Once', codes: { type: 'shared', code: 'ONCE-ONLY' } });
    const claimed = await api.request<Answer>('POST', `/api/members/${member}/coupons/claim`, {
      body: { code: 'ONCE-ONLY' },
    });
    const couponId = claimed.body.coupon?.id ?? '';
    const attempts = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        api.request<Answer>('POST', `/api/coupons/${couponId}/redeem`, {
          body: { order: { orderId: `order-${index}`, total: 20_000 } },
        }),
      ),
    );
    expect(tally(attempts)).toEqual({ '200 redeemed': 1, '409 already_redeemed': 49 });
    const winner = attempts.find((attempt) => attempt.status === 200)?.body.coupon?.orderId;
    const stored = await api.get<{ status: string; orderId: string }>(`/api/coupons/${couponId}`);
    expect([stored.body.status, stored.body.orderId]).toEqual(['redeemed', winner]);

    const revokeKey = { 'idempotency-key': 'revoke-1' };
    const retries = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.request<Answer>('POST', `/api/coupons/${couponId}/revoke`, {
          body: { reason: 'fraud' },
          headers: revokeKey,
        }),
      ),
    );
    expect(tally(retries)).toEqual({ '409 already_redeemed': 20 });
    const reused = await api.request<Answer & { issues: unknown }>('POST', `/api/coupons/${couponId}/revoke`, {
      body: { reason: 'another reason' },
      headers: revokeKey,
    });
    expect([reused.status, reused.body.error]).toEqual([422, 'idempotency_key_reused']);
  });

  it('issues each pool code once when 100 members are issued at once from 60 codes', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    const members = await membersOf(api, 100);
    const templateId = await createTemplate(api, { name: 'Pool', codes: { type: 'generated', pattern: 'PL-######' } });
    const generated = await api.request<{ added: number }>(
      'POST',
      `/api/coupon-templates/${templateId}/codes/generate`,
      {
        body: { count: 60 },
      },
    );
    expect(generated.body.added).toBe(60);
    const answers = await Promise.all(
      members.map((memberId) =>
        api.request<Answer>('POST', `/api/coupon-templates/${templateId}/issue`, { body: { memberId } }),
      ),
    );
    expect(tally(answers)).toEqual({ '201 issued': 60, '409 no_codes_left': 40 });
    const codes = answers.map((answer) => answer.body.coupon?.code).filter((code) => code !== undefined);
    expect(new Set(codes).size).toBe(60);
  });

  it('lets one of 50 members scanning the same product code at once have it', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    const members = await membersOf(api, 50);
    const batch = await api.request<{ id: string }>('POST', '/api/code-batches', {
      body: { name: 'One tin', count: 1, worth: { type: 'points', points: 10 } },
    });
    const csv = await fetch(`${server.url}/api/code-batches/${batch.body.id}/codes`, {
      headers: { authorization: server.apiAuth },
    });
    const code = (await csv.text()).split('\n')[1]?.split(',')[0] ?? '';
    const answers = await Promise.all(
      members.map((member) => api.request<Answer>('POST', '/api/codes/scan', { body: { code, member } })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, ...Array.from({ length: 49 }, () => 409)]);
    const winner = answers.findIndex((answer) => answer.status === 200);
    const points = await api.get<{ available: number }>(`/api/members/${members[winner] ?? ''}/points`);
    expect(points.body.available).toBe(10);
  });
});
