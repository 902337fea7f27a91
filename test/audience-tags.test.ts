import { afterEach, describe, expect, it } from 'vitest';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface TagBody {
  id: string;
  family: string;
  name: string;
  members: number;
}

interface ChangeBody {
  requested: { add: number; remove: number };
  members: number;
  unknown: Array<{ position: number; reference: string }>;
}

interface ErrorBody {
  error: string;
  issues: Array<{ path: string; message: string }>;
}

async function tagsOf(api: MemberApi, memberId: string): Promise<string[]> {
  const member = await api.get<{ tags: Array<{ name: string }> }>(`/api/members/${memberId}`);
  return member.body.tags.map((tag) => tag.name);
}

async function setUp() {
  server = await startTestServer();
  const api = createMemberApi(server);
  await api.sendAndProcess([
    { type: 'identify', userId: 'ana', traits: { email: 'ana@example.com' } },
    { type: 'identify', userId: 'ben', traits: { email: 'ben@example.com' } },
    { type: 'identify', userId: 'cai', traits: { email: 'cai@example.com' } },
    { type: 'track', anonymousId: 'anon-1', event: 'Product Viewed' },
  ]);
  const created = await api.request<TagBody>('POST', '/api/tags', {
    body: { family: 'preference', name: 'Organic buyer', kind: 'manual' },
  });
  expect([created.status, created.body.family, created.body.members]).toEqual([201, 'preference', 0]);
  return { api, tag: created.body, runtime: server.runtime };
}

describe('manual tags', () => {
  it('refuses bad or duplicate definitions, naming the field', async () => {
    const { api } = await setUp();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ family: 'preference', name: 'Organic buyer', kind: 'manual' }, 409, 'body.name'],
      [{ family: 'preference', name: 'Big spender', kind: 'rule' }, 400, 'body.definition'],
      [{ family: 'preference', name: 'Big spender', kind: 'band' }, 400, 'body.kind'],
      [{ family: 'value', name: 'Big spender', kind: 'value-band' }, 400, 'body.band'],
      [
        {
          family: 'value',
          name: 'Big spender',
          kind: 'value-band',
          band: { measure: 'netSpend', fromPercent: 80, toPercent: 80 },
        },
        400,
        'body.band.toPercent',
      ],
      [{ family: 'Value Tags', name: 'Big spender', kind: 'manual' }, 400, 'body.family'],
      [{ family: 'value', name: '  ', kind: 'manual' }, 400, 'body.name'],
    ];
    for (const [body, status, path] of cases) {
      const response = await api.request<ErrorBody>('POST', '/api/tags', { body });
      expect([response.status, response.body.issues[0]?.path]).toEqual([status, path]);
    }
    const empty = await api.request<ErrorBody>('POST', '/api/tags/none/members', { body: { add: [] } });
    expect([empty.status, empty.body.issues[0]?.message]).toEqual([400, 'give members to add or remove']);
    const missing = await api.request<ErrorBody>('POST', '/api/tags/none/members', { body: { add: ['x'] } });
    expect([missing.status, missing.body.error]).toEqual([404, 'not_found']);
  });

  it('tags members by id, identifier or CSV upload, lists them, follows merges, and untags on delete', async () => {
    const { api, tag, runtime } = await setUp();
    const [ana, ben, cai, anonymous] = await Promise.all([
      api.memberIdOf('user_id', 'ana'),
      api.memberIdOf('user_id', 'ben'),
      api.memberIdOf('user_id', 'cai'),
      api.memberIdOf('anonymous_id', 'anon-1'),
    ]);
    const added = await api.request<ChangeBody>('POST', `/api/tags/${tag.id}/members`, {
      body: {
        add: [ana, { type: 'email', value: ' BEN@example.com ' }, { type: 'email', value: 'nobody@example.com' }],
      },
    });
    expect(added.body).toEqual({
      requested: { add: 2, remove: 0 },
      members: 2,
      unknown: [{ position: 3, reference: 'email:nobody@example.com', reason: 'no member has it' }],
    });
    expect(await tagsOf(api, ana)).toEqual(['Organic buyer']);

    const uploaded = await api.request<ChangeBody>('POST', `/api/tags/${tag.id}/members/upload`, {
      body: 'email\r\ncai@example.com\r\n\r\n"ana@example.com"\r\nnobody@example.com\r\nnot-an-email\r\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(uploaded.body).toEqual({
      requested: { add: 2, remove: 0 },
      members: 3,
      unknown: [
        { position: 3, reference: 'email:nobody@example.com', reason: 'no member has it' },
        { position: 4, reference: 'email:not-an-email', reason: 'not an email address' },
      ],
    });
    const badCsv = await api.request<ErrorBody>('POST', `/api/tags/${tag.id}/members/upload`, {
      body: 'email,phone\r\ncai@example.com,1\r\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect([badCsv.status, badCsv.body.issues[0]?.path]).toEqual([400, 'body']);

    const removed = await api.request<ChangeBody>('POST', `/api/tags/${tag.id}/members`, { body: { remove: [ben] } });
    expect([removed.body.requested, removed.body.members]).toEqual([{ add: 0, remove: 1 }, 2]);
    const first = await api.get<{ members: Array<{ memberId: string }>; nextCursor: string | null }>(
      `/api/tags/${tag.id}/members?limit=1`,
    );
    const second = await api.get<{ members: Array<{ memberId: string }>; nextCursor: string | null }>(
      `/api/tags/${tag.id}/members?limit=1&cursor=${first.body.nextCursor ?? ''}`,
    );
    expect([...first.body.members, ...second.body.members].map((member) => member.memberId).sort()).toEqual(
      [ana, cai].sort(),
    );
    expect(second.body.nextCursor).toBeNull();

    // The anonymous visitor is tagged, then turns out to be Ben: Ben carries the tag.
    await api.request('POST', `/api/tags/${tag.id}/members`, { body: { add: [anonymous] } });
    await api.sendAndProcess([{ type: 'identify', userId: 'ben', anonymousId: 'anon-1' }]);
    expect(await api.memberIdOf('anonymous_id', 'anon-1')).toBe(ben);
    expect(await tagsOf(api, ben)).toEqual(['Organic buyer']);
    const listed = await api.get<{ tags: TagBody[] }>('/api/tags?family=preference');
    expect(listed.body.tags.map((listedTag) => [listedTag.name, listedTag.members])).toEqual([['Organic buyer', 3]]);

    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);

    expect((await api.request('DELETE', `/api/tags/${tag.id}`)).status).toBe(200);
    expect(await tagsOf(api, ana)).toEqual([]);
    expect((await api.get<{ tags: TagBody[] }>('/api/tags')).body.tags).toEqual([]);
    expect((await api.get(`/api/tags/${tag.id}`)).status).toBe(404);
  });

  it('keeps a rule tag on exactly the members who match its definition', async () => {
    const { api } = await setUp();
    const ana = await api.memberIdOf('user_id', 'ana');
    const created = await api.request<TagBody & { kind: string; segmentId: string }>('POST', '/api/tags', {
      body: {
        family: 'value',
        name: 'VIP',
        kind: 'rule',
        definition: { type: 'trait', path: 'vip', op: 'eq', value: true },
      },
    });
    expect([created.status, created.body.kind, created.body.members]).toEqual([201, 'rule', 0]);
    await api.sendAndProcess([{ type: 'identify', userId: 'ana', traits: { vip: true } }]);
    expect(await tagsOf(api, ana)).toEqual(['VIP']);
    const tag = await api.get<TagBody>(`/api/tags/${created.body.id}`);
    expect(tag.body.members).toBe(1);
    const byHand = await api.request<ErrorBody>('POST', `/api/tags/${created.body.id}/members`, {
      body: { add: [ana] },
    });
    expect([byHand.status, byHand.body.issues[0]?.path]).toEqual([409, 'params.id']);
    await api.sendAndProcess([{ type: 'identify', userId: 'ana', traits: { vip: false } }]);
    expect(await tagsOf(api, ana)).toEqual([]);
    expect((await api.request('DELETE', `/api/tags/${created.body.id}`)).status).toBe(200);
    const segments = await api.get<{ segments: unknown[] }>('/api/segments');
    expect(segments.body.segments).toEqual([]);
  });
});
