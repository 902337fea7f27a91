import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi, type ErrorBody, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
let api: MemberApi;
let ana: string;
let vip: string;

beforeAll(async () => {
  server = await startTestServer();
  api = createMemberApi(server);
  await api.sendAndProcess([{ type: 'identify', userId: 'ana', traits: {} }]);
  ana = await api.memberIdOf('user_id', 'ana');
  expect((await api.request('PUT', '/api/stores/SH-001', { body: { name: 'Xuhui' } })).status).toBe(201);
  const tag = await api.request<{ id: string }>('POST', '/api/tags', {
    body: { family: 'basic', name: 'vip', kind: 'manual' },
  });
  vip = tag.body.id;
});
afterAll(async () => {
  await server.close();
});

const refused = (issues: Array<{ path: string; message: string }>) => ({
  error: 'invalid_request',
  message: `${issues[0]?.path}: ${issues[0]?.message}`,
  issues,
});

describe('a segment definition naming tags and stores', () => {
  const definition = (tag: string, stores: string[]) => ({
    type: 'and',
    conditions: [
      { type: 'store', stores },
      { type: 'not', condition: { type: 'tag', tag } },
    ],
  });
  const unknown = [
    { path: 'body.definition.conditions.0.stores.1', message: 'no store SH-404 in this workspace' },
    { path: 'body.definition.conditions.1.condition.tag', message: 'no tag tag_missing in this workspace' },
  ];

  it('is refused with a 400 naming the path of each one the workspace does not have, saving nothing', async () => {
    const bad = definition('tag_missing', ['SH-001', 'SH-404']);
    const created = await api.request<ErrorBody>('POST', '/api/segments', { body: { name: 'Xuhui', definition: bad } });
    expect([created.status, created.body]).toEqual([400, refused(unknown)]);
    const previewed = await api.request<ErrorBody>('POST', '/api/segments/preview', { body: { definition: bad } });
    expect([previewed.status, previewed.body]).toEqual([400, refused(unknown)]);
    const ruleTag = await api.request<ErrorBody>('POST', '/api/tags', {
      body: { family: 'basic', name: 'regulars', kind: 'rule', definition: { type: 'store', stores: ['SH-404'] } },
    });
    expect([ruleTag.status, ruleTag.body]).toEqual([
      400,
      refused([{ path: 'body.definition.stores.0', message: 'no store SH-404 in this workspace' }]),
    ]);
    const tags = await api.get<{ tags: Array<{ name: string }> }>('/api/tags');
    expect(tags.body.tags.map((tag) => tag.name)).toEqual(['vip']);
    const segments = await api.get<{ segments: unknown[] }>('/api/segments');
    expect(segments.body.segments).toEqual([]);
  });

  it('is saved when every one exists, and a redefinition naming a missing one is refused', async () => {
    const good = definition(vip, ['SH-001']);
    const created = await api.request<{ id: string }>('POST', '/api/segments', {
      body: { name: 'Xuhui regulars', definition: good },
    });
    expect(created.status).toBe(201);
    const redefined = await api.request<ErrorBody>('PUT', `/api/segments/${created.body.id}`, {
      body: { definition: definition('tag_missing', ['SH-001', 'SH-404']) },
    });
    expect([redefined.status, redefined.body]).toEqual([400, refused(unknown)]);
    const renamed = await api.request<{ name: string; definition: unknown }>(
      'PUT',
      `/api/segments/${created.body.id}`,
      {
        body: { name: 'Xuhui faithful' },
      },
    );
    expect([renamed.status, renamed.body.name, renamed.body.definition]).toEqual([200, 'Xuhui faithful', good]);
  });
});

describe('identity settings', () => {
  it('refuse a priority listing a type twice with a 400 naming its place, keeping the settings', async () => {
    const before = await api.get<{ priority: string[] }>('/api/identity/settings');
    const saved = await api.request<ErrorBody>('PUT', '/api/identity/settings', {
      body: { priority: ['user_id', 'email', 'phone', 'email'] },
    });
    expect([saved.status, saved.body]).toEqual([
      400,
      refused([{ path: 'body.priority.3', message: 'ranks email again; list each type once' }]),
    ]);
    expect((await api.get('/api/identity/settings')).body).toEqual(before.body);
  });
});

describe('a product-code scan naming a store', () => {
  it('is refused as binding a home store to a store the workspace does not have is, keeping the code', async () => {
    const bound = await api.request('POST', `/api/members/${ana}/store`, { body: { storeId: 'SH-404' } });
    const batch = await api.request<{ id: string }>('POST', '/api/code-batches', {
      body: { name: 'Tins', count: 1, worth: { type: 'points', points: 50 }, bindStore: true },
    });
    const csv = await fetch(`${server.url}/api/code-batches/${batch.body.id}/codes`, {
      headers: { authorization: server.apiAuth },
    });
    const code = (await csv.text()).trim().split('\n')[1]?.split(',')[0] ?? '';
    const scanned = await api.request('POST', '/api/codes/scan', { body: { code, member: ana, store: 'SH-404' } });
    expect([scanned.status, scanned.body]).toEqual([404, { error: 'unknown_store', message: 'no store SH-404' }]);
    expect([bound.status, bound.body]).toEqual([scanned.status, scanned.body]);
    const kept = await api.request<{ scan: { homeStore: string } }>('POST', '/api/codes/scan', {
      body: { code, member: ana, store: 'SH-001' },
    });
    expect([kept.status, kept.body.scan.homeStore]).toEqual([200, 'SH-001']);
  });
});

describe('a tracked Code Scanned naming a store', () => {
  it('counts the scan but binds no home store the workspace does not have, live and on replay', async () => {
    const batch = await api.request<{ id: string }>('POST', '/api/code-batches', {
      body: { name: 'Wipes', count: 2, worth: { type: 'points', points: 5 }, bindStore: true },
    });
    const csv = await fetch(`${server.url}/api/code-batches/${batch.body.id}/codes`, {
      headers: { authorization: server.apiAuth },
    });
    const [first, second] = (await csv.text())
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0] ?? '');
    const scanned = (userId: string, code: string | undefined, store: string) => ({
      type: 'track',
      userId,
      event: 'Code Scanned',
      properties: { code, store_id: store },
    });
    await api.sendAndProcess([scanned('bob', first, 'SH-404'), scanned('carl', second, 'SH-001')]);
    const homes = [];
    for (const person of ['bob', 'carl']) {
      const memberId = await api.memberIdOf('user_id', person);
      const home = await api.get<{ store: string | null }>(`/api/members/${memberId}/home-store`);
      const points = await api.get<{ available: number }>(`/api/members/${memberId}/points`);
      homes.push([person, home.body.store, points.body.available]);
    }
    expect(homes).toEqual([
      ['bob', null, 5],
      ['carl', 'SH-001', 5],
    ]);
    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
  });
});

describe('rewards naming a coupon template', () => {
  it('are refused with a 400 naming the path when the workspace has no such template, saving nothing', async () => {
    const coupon = { type: 'coupon', templateId: 'ctp_none' };
    const badge = await api.request<ErrorBody>('PUT', '/api/badges/reviewer', {
      body: {
        name: 'Reviewer',
        measure: { type: 'events', event: 'Reviewed' },
        levels: [
          { name: 'one', threshold: 1, reward: { type: 'points', points: 10 } },
          { name: 'two', threshold: 2, reward: coupon },
        ],
      },
    });
    expect([badge.status, badge.body]).toEqual([
      400,
      refused([{ path: 'body.levels.1.reward.templateId', message: 'no coupon template ctp_none' }]),
    ]);
    expect((await api.get('/api/badges/reviewer')).status).toBe(404);
    const program = await api.request<ErrorBody>('PUT', '/api/referrals/program', {
      body: { referrerReward: { type: 'points', points: 100 }, refereeReward: coupon },
    });
    expect([program.status, program.body]).toEqual([
      400,
      refused([{ path: 'body.refereeReward.templateId', message: 'no coupon template ctp_none' }]),
    ]);
    expect((await api.get('/api/referrals/program')).status).toBe(404);
  });
});

describe('a coupon issue to a saved segment', () => {
  it('is refused with a 400 naming body.segmentId when the workspace has no such segment', async () => {
    const template = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'Welcome',
        discount: { type: 'amount', amount: 1_000 },
        validity: { type: 'afterIssue', days: 30 },
        codes: { type: 'shared', code: 'WELCOME' },
      },
    });
    const issued = await api.request<ErrorBody>('POST', `/api/coupon-templates/${template.body.id}/issue`, {
      body: { segmentId: 'seg_none' },
    });
    expect([issued.status, issued.body]).toEqual([
      400,
      refused([{ path: 'body.segmentId', message: 'no segment seg_none in this workspace' }]),
    ]);
  });
});
