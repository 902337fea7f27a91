import { orderCompleted } from './orders.ts';
import { createMemberApi, type MemberApi } from './member-api.ts';
import type { TestServer } from './test-server.ts';

async function created(api: MemberApi, method: string, path: string, body: unknown): Promise<string> {
  const answer = await api.request<{ id?: string; coupon?: { id: string } }>(method, path, { body });
  if (answer.status >= 300)
    throw new Error(`seeding ${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.coupon?.id ?? answer.body.id ?? '';
}

/**
 * A little of everything the API manages, so fuzzed requests meet real ids: three members (one
 * with an order), a points program, a coupon template with codes and an issued coupon, a tag, a
 * segment, a store, a product code batch, a membership plan and a badge. Returns their ids by
 * the path segment that names their collection.
 */
export async function seedWorkspace(server: TestServer): Promise<Record<string, string[]>> {
  const api = createMemberApi(server);
  const now = Date.now();
  await api.sendAndProcess(
    ['ana', 'bob', 'carl'].map((userId) => ({ type: 'identify', userId, traits: { email: `${userId}@example.com` } })),
  );
  const members = await Promise.all(['ana', 'bob', 'carl'].map((userId) => api.memberIdOf('user_id', userId)));
  await created(api, 'PUT', '/api/loyalty/program', {
    name: 'Hearth points',
    pointValue: { points: 100, amount: 100 },
    earning: [
      { id: 'orders', name: '1 per 1', event: 'Order Completed', award: { kind: 'perAmount', points: 1, per: 100 } },
    ],
    expiry: { kind: 'rolling', months: 12 },
    redemption: { maxOrderSharePercent: 50, minimumBalance: 0, step: 10 },
  });
  await api.sendAndProcess([orderCompleted('ana', 'order-1', 120_00, now)]);
  const template = await created(api, 'POST', '/api/coupon-templates', {
    name: 'Welcome 10%',
    discount: { type: 'percent', percent: 10, maxAmount: 1_500 },
    validity: { type: 'fixed', from: '2026-01-01T00:00:00Z', to: '2036-01-01T00:00:00Z' },
    codes: { type: 'generated', pattern: 'W??????????' },
  });
  await created(api, 'POST', `/api/coupon-templates/${template}/codes/generate`, { count: 5 });
  const coupon = await created(api, 'POST', `/api/coupon-templates/${template}/issue`, { memberId: members[0] });
  const tag = await created(api, 'POST', '/api/tags', { family: 'interest', name: 'Fuzz', kind: 'manual' });
  const segment = await created(api, 'POST', '/api/segments', {
    name: 'Has email',
    definition: { type: 'identifier', identifierType: 'email' },
  });
  await created(api, 'PUT', '/api/stores/s1', { name: 'Store 1' });
  const batch = await created(api, 'POST', '/api/code-batches', {
    name: 'Lot 1',
    count: 3,
    worth: { type: 'points', points: 50 },
  });
  await created(api, 'PUT', '/api/membership-plans/plus', {
    name: 'PLUS',
    price: 1_500,
    term: 'monthly',
    benefits: {},
  });
  await created(api, 'PUT', '/api/badges/b1', {
    name: 'Regular',
    measure: { type: 'events', event: 'Order Completed' },
    levels: [{ name: 'bronze', threshold: 2, reward: { type: 'points', points: 10 } }],
  });
  await server.runtime.processor.runUntilIdle();
  return {
    members,
    'coupon-templates': [template],
    coupons: [coupon],
    tags: [tag],
    segments: [segment],
    stores: ['s1'],
    'code-batches': [batch],
    'membership-plans': ['plus'],
    badges: ['b1'],
    identifiers: ['user_id', 'email'],
    other: ['ana', 'ana@example.com', 'email'],
  };
}
