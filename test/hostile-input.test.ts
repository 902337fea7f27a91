import { afterEach, describe, expect, it } from 'vitest';
import { maxNestingDepth, nestingDepthOf } from '../src/modules/ingest/nesting-depth.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';
import { postTracking, storedEvents } from './support/tracking-api.ts';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** JSON nested `depth` arrays deep, as text: JSON.stringify itself recurses. */
const deepArray = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('input the OpenAPI fuzz test found answered 5xx or stopping processing', () => {
  it('measures nesting in one pass, not counting brackets inside strings', () => {
    expect(nestingDepthOf('{"a":[{"b":"[[[{{{"}],"c":"\\"["}')).toBe(3);
    expect(nestingDepthOf(deepArray(5000))).toBe(5000);
    expect(nestingDepthOf('"plain"')).toBe(0);
  });

  it('refuses a tracked event nested deeper than the limit, so processing never meets it', async () => {
    server = await startTestServer();
    const at64 = `{"userId":"ok","traits":{"x":${deepArray(maxNestingDepth - 2)}}}`;
    expect(await postTracking(server, '/v1/identify', { body: at64 })).toMatchObject({
      status: 200,
      body: { success: true },
    });
    const deep = `{"userId":"deep","traits":{"x":${deepArray(12_000)}}}`;
    const message = 'nests 12002 levels deep; the limit is 64';
    expect(await postTracking(server, '/v1/identify', { body: deep })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', message, issues: [{ path: '', message }] },
    });
    const batch = `{"batch":[{"type":"identify","userId":"a"},{"type":"track","userId":"a","event":"E","properties":{"p":${deepArray(3_000)}}}]}`;
    const batchMessage = 'batch[1]: nests 3002 levels deep; the limit is 64';
    const refused = await postTracking(server, '/v1/batch', { body: batch });
    expect([refused.status, (refused.body as { message?: string }).message]).toEqual([400, batchMessage]);
    expect((await storedEvents(server)).map((event) => event.userId)).toEqual(['ok']);
    await server.runtime.processor.runUntilIdle();
    const api = createMemberApi(server);
    expect((await api.member(await api.memberIdOf('user_id', 'ok'))).traits).toEqual({
      x: JSON.parse(deepArray(maxNestingDepth - 2)) as unknown,
    });
  });

  it('answers 400, not 500, to a segment definition nested thousands of levels deep', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    const definition = `${'{"type":"not","condition":'.repeat(3_000)}{"type":"identifier","identifierType":"email"}${'}'.repeat(3_000)}`;
    const answer = await api.request('POST', '/api/segments/preview', { body: `{"definition":${definition}}` });
    expect(answer).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'body: nests too deeply',
        issues: [{ path: 'body', message: 'nests too deeply' }],
      },
    });
  });

  it('refuses the NUL character, which PostgreSQL text cannot hold, naming the field, on both databases', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    const rule = 'must not contain the NUL character (U+0000)';
    const refusal = (path: string) => ({
      error: 'invalid_request',
      message: `${path}: ${rule}`,
      issues: [{ path, message: rule }],
    });
    const events = await api.request('GET', '/api/members/a%00b/events');
    expect([events.status, events.body]).toEqual([400, refusal('params.id')]);
    const lookup = await api.request('GET', '/api/members/lookup?type=email&value=a%00b');
    expect([lookup.status, lookup.body]).toEqual([400, refusal('query.value')]);
    const tag = await api.request('POST', '/api/tags', { body: { family: 'x', name: 'a\u0000b', kind: 'manual' } });
    expect([tag.status, tag.body]).toEqual([400, refusal('body.name')]);
    const tracked = await postTracking(server, '/v1/identify', { body: '{"anonymousId":"a\\u0000"}' });
    expect([tracked.status, tracked.body]).toEqual([400, refusal('anonymousId')]);
    const batch = await postTracking(server, '/v1/batch', {
      body: '{"batch":[{"type":"identify","userId":"u"}],"context":{"ip":"\\u0000"}}',
    });
    expect([batch.status, batch.body]).toEqual([400, refusal('batch[0].context.ip')]);
    expect(await storedEvents(server)).toEqual([]);
  });
});
