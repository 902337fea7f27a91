import { afterEach, describe, expect, it } from 'vitest';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

interface Refusal {
  error: string;
  issues?: Array<{ path: string }>;
  budget?: number;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('stores, dealers and store budgets', () => {
  it('binds members to stores, shares members across a joint dealer, and never overspends a budget', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    const people = ['ana', 'bob', 'carl'];
    await api.sendAndProcess(people.map((userId) => ({ type: 'identify', userId, traits: {} })));
    const [ana, bob, carl] = (await Promise.all(people.map((person) => api.memberIdOf('user_id', person)))) as [
      string,
      string,
      string,
    ];

    const saved = [];
    for (const [id, body] of [
      ['D-EAST', { name: 'East dealer', kind: 'dealer', membership: 'joint' }],
      ['SH-001', { name: 'Shanghai Xuhui', dealerId: 'D-EAST' }],
      ['SH-002', { name: 'Shanghai Pudong', dealerId: 'D-EAST' }],
      ['SZ-001', { name: 'Shenzhen Futian' }],
      ['SZ-002', { name: 'Shenzhen Nanshan', dealerId: 'D-NONE' }],
      ['bad id!', { name: 'Nowhere' }],
    ] as const) {
      const answer = await api.request<Refusal>('PUT', `/api/stores/${encodeURIComponent(id)}`, { body });
      saved.push([answer.status, answer.body.issues?.[0]?.path ?? answer.body.error ?? null]);
    }
    expect(saved).toEqual([
      [201, null],
      [201, null],
      [201, null],
      [201, null],
      [409, 'unknown_dealer'],
      [400, 'params.id'],
    ]);
    const renamed = await api.request<{ name: string }>('PUT', '/api/stores/SZ-001', { body: { name: 'Futian' } });
    expect([renamed.status, renamed.body.name]).toEqual([200, 'Futian']);

    for (const [member, storeId] of [
      [ana, 'SH-001'],
      [bob, 'SH-002'],
      [carl, 'SZ-001'],
    ]) {
      const bound = await api.request('POST', `/api/members/${member}/store`, { body: { storeId, guide: 'guide-7' } });
      expect(bound.status).toBe(200);
    }
    const joint = await api.get<{ stores: string[]; members: Array<{ memberId: string }> }>(
      '/api/stores/SH-001/members',
    );
    expect(joint.body.stores.sort()).toEqual(['D-EAST', 'SH-001', 'SH-002']);
    expect(joint.body.members.map((member) => member.memberId).sort()).toEqual([ana, bob].sort());
    const single = await api.get<{ members: Array<{ memberId: string }> }>('/api/stores/SZ-001/members');
    expect(single.body.members.map((member) => member.memberId)).toEqual([carl]);
    const home = await api.get<{ store: string; guide: string }>(`/api/members/${ana}/store`);
    expect([home.body.store, home.body.guide]).toEqual(['SH-001', 'guide-7']);

    const purchase = { points: 1_000, reference: 'INV-2026-001' };
    const bought = await api.request<{ budget: number }>('POST', '/api/stores/SH-001/budget', { body: purchase });
    const again = await api.request<{ budget: number }>('POST', '/api/stores/SH-001/budget', { body: purchase });
    const altered = await api.request<Refusal>('POST', '/api/stores/SH-001/budget', {
      body: { ...purchase, points: 5_000 },
    });
    expect([bought.body.budget, again.body.budget, altered.status]).toEqual([1_000, 1_000, 422]);

    const members = [ana, bob, carl];
    const grants = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        api.request<Refusal>('POST', '/api/stores/SH-001/grants', {
          body: { member: members[index % 3], points: 30, reason: 'store event' },
        }),
      ),
    );
    const statuses = grants.map((grant) => grant.status);
    expect([
      statuses.filter((status) => status === 200).length,
      statuses.filter((status) => status === 409).length,
    ]).toEqual([33, 17]);
    expect(grants.find((grant) => grant.status === 409)?.body).toMatchObject({
      error: 'insufficient_budget',
      budget: 10,
    });
    const budget = await api.get<{ budget: number; entries: Array<{ kind: string; points: number }> }>(
      '/api/stores/SH-001/budget?limit=1000',
    );
    expect(budget.body.budget).toBe(10);
    expect(budget.body.entries.reduce((sum, entry) => sum + entry.points, 0)).toBe(10);
    let granted = 0;
    for (const member of members) {
      granted += (await api.get<{ available: number }>(`/api/members/${member}/points`)).body.available;
    }
    expect(granted).toBe(990);
    const history = await api.get<{ entries: Array<{ source: unknown }> }>(`/api/members/${ana}/points/history`);
    expect(history.body.entries[0]?.source).toEqual({ type: 'store', id: 'SH-001' });

    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
  });
});
