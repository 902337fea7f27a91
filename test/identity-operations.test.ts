import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemberApi,
  lookupPath,
  type ErrorBody,
  type HistoryEntry,
  type MemberApi,
} from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
let api: MemberApi;

const at = (day: number, hour = 0) => new Date(Date.UTC(2024, 5, day, hour)).toISOString();

const defaultSettings = {
  priority: [
    'user_id',
    'member_card',
    'phone',
    'email',
    'wechat_unionid',
    'tmall_id',
    'jd_id',
    'douyin_id',
    'wechat_openid',
    'anonymous_id',
  ],
  limits: { user_id: 1 },
  blockedValues: [],
  useBuiltInBlocklist: true,
};

interface SplitBody {
  memberId: string;
  detachedMemberId: string;
  members: string[];
}

beforeAll(async () => {
  server = await startTestServer({ manualProcessing: true });
  api = createMemberApi(server);
});

afterAll(async () => {
  await server?.close();
});

/** A workspace of its own, so settings changes stay out of the other tests. */
async function freshWorkspace(): Promise<MemberApi> {
  const keys = await server.runtime.workspaces.create({ name: 'Settings brand' });
  return createMemberApi({ ...server, ...keys });
}

async function timestampsOf(memberId: string): Promise<string[]> {
  return (await api.allEvents(memberId)).map((event) => event.timestamp);
}

describe('identity settings', () => {
  it('reads the defaults, and saves what is put', async () => {
    const local = await freshWorkspace();
    expect(await local.get('/api/identity/settings')).toMatchObject({ status: 200, body: defaultSettings });
    const wanted = {
      priority: ['member_card', 'user_id', 'phone'],
      limits: { user_id: 1, member_card: 2 },
      blockedValues: ['Kiosk-01'],
      useBuiltInBlocklist: false,
    };
    expect(await local.request('PUT', '/api/identity/settings', { body: wanted })).toMatchObject({
      status: 200,
      body: wanted,
    });
    expect((await local.get('/api/identity/settings')).body).toEqual(wanted);
  });

  it('refuses invalid settings and keeps the old ones', async () => {
    const local = await freshWorkspace();
    const refused = await local.request<ErrorBody>('PUT', '/api/identity/settings', {
      body: { limits: { user_id: 0 }, priority: ['Not Snake'] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_request');
    expect(refused.body.issues.map((issue) => issue.path).sort()).toEqual(['body.limits.user_id', 'body.priority.0']);
    expect((await local.get('/api/identity/settings')).body).toEqual(defaultSettings);
  });

  it('applies a blocklist edit to the events processed after it', async () => {
    const local = await freshWorkspace();
    const visit = (anonymousId: string, email: string, day: number) => ({
      type: 'identify',
      anonymousId,
      traits: { email },
      timestamp: at(day),
    });
    await local.sendAndProcess([visit('kiosk-01', 'c1@x.cn', 1), visit('kiosk-01', 'c2@x.cn', 2)]);
    const linked = await local.memberIdOf('email', 'c1@x.cn');
    expect(await local.memberIdOf('email', 'c2@x.cn')).toBe(linked);

    const put = await local.request('PUT', '/api/identity/settings', {
      body: { ...defaultSettings, blockedValues: ['KIOSK-01'] },
    });
    expect(put.status).toBe(200);
    await local.sendAndProcess([visit('kiosk-01', 'c3@x.cn', 3), visit('kiosk-01', 'c4@x.cn', 4)]);
    const third = await local.member(await local.memberIdOf('email', 'c3@x.cn'));
    const fourth = await local.member(await local.memberIdOf('email', 'c4@x.cn'));
    expect(third.id).not.toBe(fourth.id);
    expect(third.identifiers).toEqual([{ type: 'email', value: 'c3@x.cn' }]);
    expect(fourth.identifiers).toEqual([{ type: 'email', value: 'c4@x.cn' }]);
    // What was linked before stays linked; the edit applies from now on.
    expect(await local.memberIdOf('anonymous_id', 'kiosk-01')).toBe(linked);
  });

  it('applies a limit edit: two user ids may share a member when allowed', async () => {
    const local = await freshWorkspace();
    await local.request('PUT', '/api/identity/settings', { body: { ...defaultSettings, limits: { user_id: 2 } } });
    await local.sendAndProcess([
      { type: 'identify', userId: 'u-a', traits: { email: 'pair@x.cn' }, timestamp: at(1) },
      { type: 'identify', userId: 'u-b', traits: { email: 'pair@x.cn' }, timestamp: at(2) },
      { type: 'identify', userId: 'u-c', traits: { email: 'pair@x.cn' }, timestamp: at(3) },
    ]);
    const pair = await local.member(await local.memberIdOf('email', 'pair@x.cn'));
    expect(pair.identifiers).toEqual([
      { type: 'email', value: 'pair@x.cn' },
      { type: 'user_id', value: 'u-a' },
      { type: 'user_id', value: 'u-b' },
    ]);
    expect(await local.memberIdOf('user_id', 'u-c')).not.toBe(pair.id);
  });
});

describe('DELETE /api/members/:id/identifiers/:type/:value', () => {
  it('splits the group and re-attributes events and orders', async () => {
    await api.sendAndProcess([
      { type: 'identify', userId: 'u-mom', traits: { email: 'family@x.cn', name: 'Mom' }, timestamp: at(1) },
      { type: 'track', event: 'Product Viewed', userId: 'u-mom', timestamp: at(2) },
      {
        type: 'identify',
        anonymousId: 'anon-kid',
        traits: { email: 'family@x.cn', phone: '139 1234 5678' },
        timestamp: at(3),
      },
      {
        type: 'track',
        event: 'Order Completed',
        anonymousId: 'anon-kid',
        properties: { order_id: 'split-o1', total: 120, products: [{ category: 'toys', price: 120 }] },
        timestamp: at(4),
      },
      { type: 'identify', anonymousId: 'anon-kid', traits: { email: 'kid@x.cn' }, timestamp: at(5) },
      { type: 'identify', anonymousId: 'anonymous', traits: { email: 'family@x.cn' }, timestamp: at(6) },
      { type: 'alias', userId: 'u-mom', previousId: 'anon-web', timestamp: at(7) },
      { type: 'page', name: 'Cart', anonymousId: 'anon-web', timestamp: at(8) },
    ]);
    const mom = await api.memberIdOf('user_id', 'u-mom');
    const before = await api.member(mom);
    expect(before.identifiers).toEqual([
      { type: 'email', value: 'family@x.cn' },
      { type: 'user_id', value: 'u-mom' },
      { type: 'anonymous_id', value: 'anon-kid' },
      { type: 'phone', value: '+8613912345678' },
      { type: 'email', value: 'kid@x.cn' },
      { type: 'anonymous_id', value: 'anon-web' },
    ]);
    expect(before.features).toMatchObject({ eventCount: 8, orderCount: 1, totalSpend: 12000 });

    const response = await api.request<SplitBody>('DELETE', `/api/members/${mom}/identifiers/email/Family@X.cn`);
    expect(response.status).toBe(200);
    const { detachedMemberId, members } = response.body;
    expect(response.body.memberId).toBe(mom);
    expect(members).toHaveLength(3);
    expect(members[0]).toBe(detachedMemberId);
    expect(members[0]).toMatch(/^mem_[0-9A-Z]{26}_0$/);
    expect(members[1]).toBe(mom);
    expect(members[2]).toMatch(/^mem_[0-9A-Z]{26}_2$/);
    const kid = members[2] as string;

    const [momAfter, detached, kidAfter] = await Promise.all([
      api.member(mom),
      api.member(detachedMemberId),
      api.member(kid),
    ]);
    expect(momAfter.identifiers).toEqual([
      { type: 'user_id', value: 'u-mom' },
      { type: 'anonymous_id', value: 'anon-web' },
    ]);
    expect(detached.identifiers).toEqual([{ type: 'email', value: 'family@x.cn' }]);
    expect(kidAfter.identifiers).toEqual([
      { type: 'anonymous_id', value: 'anon-kid' },
      { type: 'phone', value: '+8613912345678' },
      { type: 'email', value: 'kid@x.cn' },
    ]);
    expect(await timestampsOf(mom)).toEqual([at(8), at(7), at(2), at(1)]);
    expect(await timestampsOf(detachedMemberId)).toEqual([at(6)]);
    expect(await timestampsOf(kid)).toEqual([at(5), at(4), at(3)]);

    expect(momAfter.features).toMatchObject({ eventCount: 4, orderCount: 0, totalSpend: 0, categories: {} });
    expect(momAfter.traits).toEqual({ email: 'family@x.cn', name: 'Mom' });
    expect(kidAfter.features).toMatchObject({
      eventCount: 3,
      orderCount: 1,
      totalSpend: 12000,
      categories: { toys: { spend: 12000, orders: 1 } },
      firstSeenAt: at(3),
    });
    expect(kidAfter.traits).toEqual({ email: 'kid@x.cn', phone: '139 1234 5678' });
    expect(detached.features).toMatchObject({ eventCount: 1, orderCount: 0, firstSeenAt: at(6) });

    const split = (await api.history(detachedMemberId)).filter((entry) => entry.kind === 'split');
    expect(split).toEqual([
      expect.objectContaining<Partial<HistoryEntry>>({
        memberId: mom,
        otherMemberId: detachedMemberId,
        identifier: { type: 'email', value: 'family@x.cn' },
        detail: { members, block: false },
      }),
    ]);

    // The identifier now belongs to the detached member: later events with it go there...
    await api.sendAndProcess([
      { type: 'identify', anonymousId: 'anon-guest', traits: { email: 'family@x.cn' }, timestamp: at(9) },
    ]);
    expect(await api.memberIdOf('anonymous_id', 'anon-guest')).toBe(detachedMemberId);
    expect(await timestampsOf(detachedMemberId)).toEqual([at(9), at(6)]);
    // ...and without block=true, an event linking it to the member again merges them again.
    await api.sendAndProcess([
      { type: 'identify', userId: 'u-mom', traits: { email: 'family@x.cn' }, timestamp: at(10) },
    ]);
    expect(await api.memberIdOf('email', 'family@x.cn')).toBe(mom);
    expect((await api.member(detachedMemberId)).id).toBe(mom);
    expect(await timestampsOf(mom)).toEqual([at(10), at(9), at(8), at(7), at(6), at(2), at(1)]);
  });

  it('with block=true, also adds the value to the blocklist', async () => {
    const local = await freshWorkspace();
    await local.sendAndProcess([
      { type: 'identify', userId: 'u-shop', traits: { phone: '13800138000' }, timestamp: at(1) },
    ]);
    const shop = await local.memberIdOf('user_id', 'u-shop');
    const response = await local.request<SplitBody>(
      'DELETE',
      `/api/members/${shop}/identifiers/phone/${encodeURIComponent('+86 138 0013 8000')}?block=true`,
    );
    expect(response.status).toBe(200);
    expect((await local.get('/api/identity/settings')).body).toEqual({
      ...defaultSettings,
      blockedValues: ['+8613800138000'],
    });
    await local.sendAndProcess([
      { type: 'identify', userId: 'u-visitor', traits: { phone: '138 0013 8000' }, timestamp: at(2) },
    ]);
    expect((await local.member(await local.memberIdOf('user_id', 'u-visitor'))).identifiers).toEqual([
      { type: 'user_id', value: 'u-visitor' },
    ]);
    expect((await local.member(shop)).identifiers).toEqual([{ type: 'user_id', value: 'u-shop' }]);
    expect(await local.memberIdOf('phone', '13800138000')).toBe(response.body.detachedMemberId);
  });

  it('answers 404 for an identifier the member does not hold and 409 for its only one', async () => {
    await api.sendAndProcess([{ type: 'track', event: 'Opened', anonymousId: 'anon-lonely', timestamp: at(1) }]);
    const lonely = await api.memberIdOf('anonymous_id', 'anon-lonely');
    const missing = await api.request<ErrorBody>('DELETE', `/api/members/${lonely}/identifiers/email/x@x.cn`);
    expect(missing).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: `member ${lonely} has no email x@x.cn`, issues: [] },
    });
    const only = await api.request<ErrorBody>('DELETE', `/api/members/${lonely}/identifiers/anonymous_id/anon-lonely`);
    expect(only).toMatchObject({
      status: 409,
      body: { error: 'conflict', message: 'the member has no other identifier' },
    });
    expect((await api.member(lonely)).identifiers).toEqual([{ type: 'anonymous_id', value: 'anon-lonely' }]);
    const unknown = await api.request<ErrorBody>('DELETE', '/api/members/mem_nobody/identifiers/email/x@x.cn');
    expect(unknown.body).toEqual({ error: 'not_found', message: 'member mem_nobody not found', issues: [] });
    expect((await api.get(lookupPath('anonymous_id', 'anon-lonely'))).status).toBe(200);
  });
});
