import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/platform/page-cursor.ts';
import { createMemberApi, type ErrorBody, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
let api: MemberApi;
let ana: string;
let tagId: string;
let segmentId: string;

beforeAll(async () => {
  server = await startTestServer();
  api = createMemberApi(server);
  await api.sendAndProcess([{ type: 'identify', userId: 'ana', traits: { city: 'Shanghai' } }]);
  ana = await api.memberIdOf('user_id', 'ana');
  expect((await api.request('PUT', '/api/loyalty/program', { body: { name: 'Points', earning: [] } })).status).toBe(
    200,
  );
  for (const points of [1, 2, 3]) {
    const adjusted = await api.request('POST', `/api/members/${ana}/points/adjust`, {
      body: { points, reason: `gift ${points}` },
    });
    expect(adjusted.status).toBe(200);
  }
  expect((await api.request('PUT', '/api/stores/SH-001', { body: { name: 'Xuhui' } })).status).toBe(201);
  const tag = await api.request<{ id: string }>('POST', '/api/tags', {
    body: { family: 'basic', name: 'vip', kind: 'manual' },
  });
  tagId = tag.body.id;
  const segment = await api.request<{ id: string }>('POST', '/api/segments', {
    body: { name: 'Shanghai', definition: { type: 'trait', path: 'city', op: 'eq', value: 'Shanghai' } },
  });
  segmentId = segment.body.id;
  const medal = {
    name: 'Reviewer',
    measure: { type: 'events', event: 'Reviewed' },
    levels: [{ name: 'one', threshold: 1 }],
  };
  expect((await api.request('PUT', '/api/badges/reviewer', { body: medal })).status).toBe(201);
});
afterAll(async () => {
  await server.close();
});

const malformed = [
  'nope',
  'mem_01KQGM7980X9APDXHWRJC9QCTG',
  '%25%25',
  // Well-formed base64url, but not a cursor the API makes.
  Buffer.from('{"before":"x"}').toString('base64url'),
  `${encodeCursor('pe_1')}AA`,
];

describe('paged lists', () => {
  it('refuse a cursor they did not hand out with a 400 naming query.cursor, on every list', async () => {
    const lists = [
      `/api/members/${ana}/points/history`,
      '/api/loyalty/tier-changes',
      `/api/members/${ana}/coupons`,
      '/api/badges/reviewer/holders',
      '/api/stores/SH-001/members',
      '/api/stores/SH-001/budget',
      `/api/tags/${tagId}/members`,
      `/api/segments/${segmentId}/members`,
    ];
    const message = 'must be the nextCursor of an earlier page, unchanged';
    for (const list of lists) {
      for (const cursor of malformed) {
        const answer = await api.get<ErrorBody>(`${list}?cursor=${cursor}`);
        expect([list, cursor, answer.status, answer.body]).toEqual([
          list,
          cursor,
          400,
          {
            error: 'invalid_request',
            message: `query.cursor: ${message}`,
            issues: [{ path: 'query.cursor', message }],
          },
        ]);
      }
    }
  });

  it("refuses a malformed cursor on a member's events (their cursor is a log position)", async () => {
    for (const cursor of ['0', 'abc', '1.5']) {
      const answer = await api.get<ErrorBody>(`/api/members/${ana}/events?cursor=${cursor}`);
      expect([cursor, answer.status, answer.body.issues.map((issue) => issue.path)]).toEqual([
        cursor,
        400,
        ['query.cursor'],
      ]);
    }
  });

  it('pages the points history with the cursor it hands out', async () => {
    type History = { entries: Array<{ reason: string }>; nextCursor: string | null };
    const first = await api.get<History>(`/api/members/${ana}/points/history?limit=2`);
    expect(first.body.entries.map((entry) => entry.reason)).toEqual(['gift 3', 'gift 2']);
    const second = await api.get<History>(
      `/api/members/${ana}/points/history?limit=2&cursor=${first.body.nextCursor ?? ''}`,
    );
    expect([second.status, second.body.entries.map((entry) => entry.reason), second.body.nextCursor]).toEqual([
      200,
      ['gift 1'],
      null,
    ]);
  });
});
