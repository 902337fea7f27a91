import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemberApi, lookupPath, type ErrorBody, type MemberApi, type MemberBody } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
let api: MemberApi;

const at = (day: number, hour = 0) => new Date(Date.UTC(2024, 4, day, hour)).toISOString();

beforeAll(async () => {
  server = await startTestServer({ manualProcessing: true });
  api = createMemberApi(server);
});

afterAll(async () => {
  await server?.close();
});

/** History entries without the fields that only identify the row. */
async function historyOf(memberId: string) {
  return (await api.history(memberId)).map(({ kind, memberId: member, otherMemberId, identifier, detail }) => ({
    kind,
    memberId: member,
    otherMemberId,
    identifier,
    detail,
  }));
}

describe('GET /api/members/lookup', () => {
  it('finds a member by any identifier type, normalizing the query value', async () => {
    await api.sendAndProcess([
      {
        type: 'identify',
        userId: 'u-100',
        anonymousId: 'anon-100',
        traits: { email: ' Ana@Example.COM ', phone: '138 0013 8000' },
        context: {
          externalIds: [
            { type: 'wechat_unionid', id: 'oUnion100', collection: 'users', encoding: 'none' },
            { type: 'tmall_id', id: 'tm100', collection: 'users', encoding: 'none' },
          ],
        },
        timestamp: at(1),
      },
    ]);
    const id = await api.memberIdOf('user_id', 'u-100');
    expect(id).toMatch(/^mem_[0-9A-Z]{26}$/);
    const queries: Array<[string, string]> = [
      ['email', 'ANA@example.com '],
      ['email', 'ana@example.com'],
      ['phone', '+86 138-0013-8000'],
      ['phone', '13800138000'],
      ['anonymous_id', 'anon-100'],
      ['wechat_unionid', 'oUnion100'],
      ['tmall_id', 'tm100'],
      ['tmallId', ' tm100 '],
    ];
    for (const [type, value] of queries) {
      const response = await api.get<MemberBody>(lookupPath(type, value));
      expect([type, value, response.status, response.body.id]).toEqual([type, value, 200, id]);
    }
    const member = await api.member(id);
    expect(member.identifiers).toEqual([
      { type: 'anonymous_id', value: 'anon-100' },
      { type: 'email', value: 'ana@example.com' },
      { type: 'phone', value: '+8613800138000' },
      { type: 'tmall_id', value: 'tm100' },
      { type: 'user_id', value: 'u-100' },
      { type: 'wechat_unionid', value: 'oUnion100' },
    ]);
    expect(member.traits).toEqual({ email: ' Ana@Example.COM ', phone: '138 0013 8000' });
    expect(member.createdAt).toBe(at(1));
  });

  it('answers 404 for an unknown value and 400 for one that cannot be normalized', async () => {
    const unknown = await api.get<ErrorBody>(lookupPath('email', 'Nobody@X.cn'));
    expect(unknown).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: 'no member has email nobody@x.cn', issues: [] },
    });
    const invalid = await api.get<ErrorBody>(lookupPath('phone', '12345'));
    expect(invalid).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'value: not a valid phone number for region CN',
        issues: [{ path: 'query.value', message: 'not a valid phone number for region CN' }],
      },
    });
    const missing = await api.get<ErrorBody>('/api/members/lookup?value=x');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });
});

describe('merging', () => {
  it('merges into the oldest member, and a merged-away id answers with the survivor', async () => {
    await api.sendAndProcess([{ type: 'track', event: 'Product Viewed', anonymousId: 'anon-200', timestamp: at(2) }]);
    const older = await api.memberIdOf('anonymous_id', 'anon-200');
    await api.sendAndProcess([{ type: 'identify', userId: 'u-200', traits: { email: 'bo@x.cn' }, timestamp: at(3) }]);
    const newer = await api.memberIdOf('user_id', 'u-200');
    expect(newer > older).toBe(true);

    await api.sendAndProcess([{ type: 'identify', userId: 'u-200', anonymousId: 'anon-200', timestamp: at(4) }]);
    expect(await api.memberIdOf('email', 'bo@x.cn')).toBe(older);
    const response = await api.get<MemberBody>(`/api/members/${newer}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-location')).toBe(`/api/members/${older}`);
    expect(response.body.id).toBe(older);
    expect(response.body.identifiers).toEqual([
      { type: 'anonymous_id', value: 'anon-200' },
      { type: 'email', value: 'bo@x.cn' },
      { type: 'user_id', value: 'u-200' },
    ]);
    expect(response.body.features.eventCount).toBe(3);
    expect(response.body.traits).toEqual({ email: 'bo@x.cn' });

    const events = await api.allEvents(newer);
    expect(events.map((event) => event.timestamp)).toEqual([at(4), at(3), at(2)]);
    const merges = await api.get<{ memberId: string }>(`/api/members/${newer}/merges`);
    expect(merges.body.memberId).toBe(older);
    expect(await historyOf(newer)).toEqual([
      {
        kind: 'created',
        memberId: older,
        otherMemberId: null,
        identifier: null,
        detail: { identifiers: [{ type: 'anonymous_id', value: 'anon-200' }] },
      },
      {
        kind: 'created',
        memberId: newer,
        otherMemberId: null,
        identifier: null,
        detail: {
          identifiers: [
            { type: 'user_id', value: 'u-200' },
            { type: 'email', value: 'bo@x.cn' },
          ],
        },
      },
      { kind: 'merged', memberId: older, otherMemberId: newer, identifier: null, detail: {} },
    ]);
    expect((await api.history(older)).map((entry) => entry.eventId)).toEqual(
      [...events].reverse().map((event) => event.id),
    );
  });

  it('links an alias previousId to the user id', async () => {
    await api.sendAndProcess([
      { type: 'page', name: 'Home', anonymousId: 'anon-250', timestamp: at(5) },
      { type: 'alias', userId: 'u-250', previousId: 'anon-250', timestamp: at(5, 1) },
    ]);
    const member = await api.member(await api.memberIdOf('user_id', 'u-250'));
    expect(member.identifiers).toEqual([
      { type: 'anonymous_id', value: 'anon-250' },
      { type: 'user_id', value: 'u-250' },
    ]);
    expect(member.features.eventCount).toBe(2);
  });
});

describe('limits', () => {
  it('never puts two user ids on one member and records the conflict on both', async () => {
    await api.sendAndProcess([
      { type: 'identify', userId: 'u-301', traits: { email: 'shared@x.cn' }, timestamp: at(6) },
      {
        type: 'identify',
        userId: 'u-302',
        anonymousId: 'anon-302',
        traits: { email: 'shared@x.cn' },
        timestamp: at(7),
      },
    ]);
    const first = await api.memberIdOf('user_id', 'u-301');
    const second = await api.memberIdOf('user_id', 'u-302');
    expect(second).not.toBe(first);
    expect(await api.memberIdOf('email', 'shared@x.cn')).toBe(first);
    expect((await api.member(first)).identifiers).toEqual([
      { type: 'email', value: 'shared@x.cn' },
      { type: 'user_id', value: 'u-301' },
    ]);
    expect((await api.member(second)).identifiers).toEqual([{ type: 'user_id', value: 'u-302' }]);
    expect((await api.get(lookupPath('anonymous_id', 'anon-302'))).status).toBe(404);
    expect((await api.allEvents(second)).map((event) => event.timestamp)).toEqual([at(7)]);

    const reason = 'linking would give the member more than 1 user_id';
    const conflicts = [
      {
        kind: 'conflict',
        memberId: second,
        otherMemberId: first,
        identifier: { type: 'email', value: 'shared@x.cn' },
        detail: { reason },
      },
      {
        kind: 'conflict',
        memberId: second,
        otherMemberId: null,
        identifier: { type: 'anonymous_id', value: 'anon-302' },
        detail: { reason },
      },
    ];
    expect(await historyOf(second)).toEqual([
      {
        kind: 'created',
        memberId: second,
        otherMemberId: null,
        identifier: null,
        detail: { identifiers: [{ type: 'user_id', value: 'u-302' }] },
      },
      ...conflicts,
    ]);
    expect((await historyOf(first)).filter((entry) => entry.kind === 'conflict')).toEqual([conflicts[0]]);
  });

  it('never links placeholder values, nor an alias from a blocked previousId', async () => {
    await api.sendAndProcess([
      { type: 'track', event: 'App Opened', userId: 'u-401', anonymousId: 'anonymous', timestamp: at(8) },
      { type: 'track', event: 'App Opened', userId: 'u-402', anonymousId: 'anonymous', timestamp: at(8) },
      { type: 'identify', userId: 'u-403', traits: { phone: '000 0000 0000', email: 'null' }, timestamp: at(8) },
      { type: 'identify', userId: 'u-404', traits: { phone: '000 0000 0000' }, timestamp: at(8) },
      { type: 'alias', userId: 'u-405', previousId: 'null', timestamp: at(8) },
      { type: 'alias', userId: 'u-406', previousId: 'NULL', timestamp: at(8) },
    ]);
    const ids = new Set<string>();
    for (const userId of ['u-401', 'u-402', 'u-403', 'u-404', 'u-405', 'u-406']) {
      const member = await api.member(await api.memberIdOf('user_id', userId));
      expect(member.identifiers).toEqual([{ type: 'user_id', value: userId }]);
      expect((await historyOf(member.id)).map((entry) => entry.kind)).toEqual(['created']);
      ids.add(member.id);
    }
    expect(ids.size).toBe(6);
    const placeholders: Array<[string, string]> = [
      ['anonymous_id', 'anonymous'],
      ['anonymous_id', 'null'],
      ['user_id', 'null'],
    ];
    for (const [type, value] of placeholders) {
      expect((await api.get(lookupPath(type, value))).status).toBe(404);
    }
    const zeros = await api.get<ErrorBody>(lookupPath('phone', '000 0000 0000'));
    expect([zeros.status, zeros.body.message]).toEqual([400, 'value: blocked value']);
  });
});

describe('access', () => {
  it('requires the secret key', async () => {
    const id = await api.memberIdOf('user_id', 'u-100');
    const paths = [
      `/api/members/${id}`,
      `/api/members/${id}/events`,
      `/api/members/${id}/merges`,
      lookupPath('user_id', 'u-100'),
      '/api/identity/settings',
    ];
    for (const path of paths) {
      const none = await api.request<ErrorBody>('GET', path, { auth: null });
      expect([path, none.status, none.body.error]).toEqual([path, 401, 'unauthorized']);
      const writeKey = await api.request<ErrorBody>('GET', path, { auth: `Bearer ${server.writeKey}` });
      expect([path, writeKey.status, writeKey.body.message]).toEqual([path, 401, 'unknown or revoked secret key']);
    }
    const split = await api.request('DELETE', `/api/members/${id}/identifiers/user_id/u-100`, { auth: null });
    expect(split.status).toBe(401);
    expect((await api.member(id)).identifiers).toHaveLength(6);
  });

  it('answers 404 with a clear body for an unknown member', async () => {
    for (const path of [
      '/api/members/mem_unknown',
      '/api/members/mem_unknown/events',
      '/api/members/mem_unknown/merges',
    ]) {
      const response = await api.get<ErrorBody>(path);
      expect([path, response.status, response.body]).toEqual([
        path,
        404,
        { error: 'not_found', message: 'member mem_unknown not found', issues: [] },
      ]);
    }
  });

  it('does not show another workspace’s members', async () => {
    const id = await api.memberIdOf('user_id', 'u-100');
    const other = await server.runtime.workspaces.create({ name: 'Other brand' });
    const otherApi = createMemberApi({ ...server, ...other });
    expect((await otherApi.get<ErrorBody>(`/api/members/${id}`)).body).toEqual({
      error: 'not_found',
      message: `member ${id} not found`,
      issues: [],
    });
    expect((await otherApi.get(lookupPath('user_id', 'u-100'))).status).toBe(404);
  });
});
