import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { basicAuth, postTracking, storedCount, storedEvents } from './support/tracking-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
const receivedAt = Date.UTC(2024, 5, 1, 12, 0, 0);
let sequence = 0;

/** A messageId no other test in this file uses. */
function nextId(label: string): string {
  sequence += 1;
  return `${label}-${sequence}`;
}

beforeAll(async () => {
  server = await startTestServer({ clock: createManualClock(receivedAt), manualProcessing: true });
});

afterAll(async () => {
  await server?.close();
});

const unauthorizedNoKey = {
  error: 'unauthorized',
  message: 'send the write key as the HTTP Basic user name or as writeKey in the body',
  issues: [],
};

/** One valid message of each Segment type, without `type` (the route names it). */
const callsByType: Record<string, Record<string, unknown>> = {
  identify: { userId: 'u-1', traits: { email: 'ana@example.com' } },
  track: { userId: 'u-1', event: 'Order Completed', properties: { total: 12.5 } },
  page: { anonymousId: 'anon-1', name: 'Home' },
  screen: { userId: 'u-1', name: 'Cart' },
  group: { userId: 'u-1', groupId: 'g-1' },
  alias: { userId: 'u-1', previousId: 'anon-1' },
};

const expectedName: Record<string, string | null> = {
  identify: null,
  track: 'Order Completed',
  page: 'Home',
  screen: 'Cart',
  group: null,
  alias: null,
};

describe('tracking routes', () => {
  const singleRoutes = Object.keys(callsByType).flatMap((type) => [
    [`/v1/${type}`, type],
    [`/v1/${type.slice(0, 1)}`, type],
  ]);

  it.each(singleRoutes)('POST %s stores one %s call', async (path, type) => {
    const messageId = nextId(`route-${type}`);
    const before = await storedCount(server);
    const response = await postTracking(server, path, { body: { ...callsByType[type], messageId } });
    expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { success: true } });
    expect(await storedCount(server)).toBe(before + 1);
    const stored = (await storedEvents(server)).find((event) => event.messageId === messageId);
    const call = callsByType[type] ?? {};
    expect(stored).toMatchObject({
      workspaceId: server.workspaceId,
      type,
      eventName: expectedName[type],
      userId: call.userId ?? null,
      anonymousId: call.anonymousId ?? null,
      receivedAt,
      eventTime: receivedAt,
      payload: { ...call, type, messageId },
    });
  });

  it.each([['/v1/batch'], ['/v1/b']])('POST %s stores every call of the batch in order', async (path) => {
    const batch = Object.entries(callsByType).map(([type, call]) => ({ ...call, type, messageId: nextId(type) }));
    const before = (await storedEvents(server)).length;
    const response = await postTracking(server, path, { body: { batch } });
    expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { success: true } });
    const added = (await storedEvents(server)).slice(before);
    expect(added.map((event) => [event.type, event.messageId, event.eventName])).toEqual(
      batch.map((call) => [call.type, call.messageId, expectedName[call.type]]),
    );
  });

  it('refuses a call of another type than the route names, storing nothing', async () => {
    const before = await storedCount(server);
    const response = await postTracking(server, '/v1/track', { body: { type: 'identify', userId: 'u-1' } });
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'type: this endpoint takes track calls, not identify',
        issues: [{ path: 'type', message: 'this endpoint takes track calls, not identify' }],
      },
    });
    expect(await storedCount(server)).toBe(before);
  });
});

describe('write key', () => {
  it('reads the write key as the HTTP Basic user name, ignoring the password', async () => {
    const messageId = nextId('basic');
    const response = await postTracking(server, '/v1/track', {
      body: { userId: 'u-1', event: 'Signed In', messageId },
      auth: basicAuth(server.writeKey, 'ignored'),
    });
    expect(response.status).toBe(200);
    expect((await storedEvents(server)).filter((event) => event.messageId === messageId)).toHaveLength(1);
  });

  it.each([['/v1/track'], ['/v1/batch']])(
    'reads writeKey from the body of %s and keeps it out of the log',
    async (path) => {
      const messageId = nextId('body-key');
      const call = { userId: 'u-1', event: 'Signed In', messageId };
      const body =
        path === '/v1/batch'
          ? { writeKey: server.writeKey, batch: [{ ...call, type: 'track' }] }
          : { ...call, writeKey: server.writeKey };
      const response = await postTracking(server, path, { body, auth: null });
      expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { success: true } });
      const stored = (await storedEvents(server)).filter((event) => event.messageId === messageId);
      expect(stored.map((event) => [event.workspaceId, event.type])).toEqual([[server.workspaceId, 'track']]);
      expect(stored[0]?.payload).not.toHaveProperty('writeKey');
    },
  );

  it('answers 401 without a write key or with an unknown one, storing nothing', async () => {
    const call = { userId: 'u-1', event: 'Signed In', messageId: nextId('unauthorized') };
    const before = await storedCount(server);
    const cases = [
      await postTracking(server, '/v1/track', { body: call, auth: null }),
      await postTracking(server, '/v1/batch', { body: { batch: [{ ...call, type: 'track' }] }, auth: null }),
      await postTracking(server, '/v1/track', { body: call, auth: basicAuth('', server.writeKey) }),
      await postTracking(server, '/v1/track', { body: call, auth: `Bearer ${server.writeKey}` }),
    ];
    expect(cases.map((response) => [response.status, response.body])).toEqual([
      [401, unauthorizedNoKey],
      [401, unauthorizedNoKey],
      [401, unauthorizedNoKey],
      [401, unauthorizedNoKey],
    ]);
    const unknown = { error: 'unauthorized', message: 'unknown write key', issues: [] };
    const wrongKeys = [
      await postTracking(server, '/v1/track', { body: call, auth: basicAuth('wk_unknown') }),
      await postTracking(server, '/v1/track', { body: { ...call, writeKey: 'wk_unknown' }, auth: null }),
      await postTracking(server, '/v1/track', { body: call, auth: basicAuth(server.secretKey) }),
    ];
    expect(wrongKeys.map((response) => [response.status, response.body])).toEqual([
      [401, unknown],
      [401, unknown],
      [401, unknown],
    ]);
    expect(await storedCount(server)).toBe(before);
  });
});

describe('request bodies', () => {
  const bodyCases: Array<[string, string | null, boolean]> = [
    ['application/json', 'application/json', false],
    ['application/json; charset=utf-8', 'application/json; charset=utf-8', false],
    ['text/plain', 'text/plain', false],
    ['text/plain;charset=UTF-8', 'text/plain;charset=UTF-8', false],
    ['no content type', null, false],
    ['gzipped application/json', 'application/json', true],
    ['gzipped text/plain', 'text/plain', true],
  ];

  it.each(bodyCases)('accepts %s', async (_label, contentType, gzip) => {
    const single = nextId('single');
    const inBatch = nextId('in-batch');
    const track = await postTracking(server, '/v1/track', {
      body: { userId: 'u-1', event: 'Viewed', messageId: single },
      contentType,
      gzip,
    });
    const batch = await postTracking(server, '/v1/batch', {
      body: { batch: [{ type: 'page', anonymousId: 'anon-9', name: 'Home', messageId: inBatch }] },
      contentType,
      gzip,
    });
    expect([track.status, track.body, batch.status, batch.body]).toEqual([
      200,
      { success: true },
      200,
      { success: true },
    ]);
    const stored = (await storedEvents(server)).filter((event) => [single, inBatch].includes(event.messageId));
    expect(stored.map((event) => [event.messageId, event.type])).toEqual([
      [single, 'track'],
      [inBatch, 'page'],
    ]);
  });

  it('answers 400 naming what is wrong with the body, storing nothing', async () => {
    const before = await storedCount(server);
    const badJson = await postTracking(server, '/v1/batch', { body: '{"batch": [' });
    expect(badJson).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', issues: [{ path: '', message: 'invalid JSON' }] },
    });
    expect(badJson.body).toHaveProperty('message', expect.stringMatching(/^the body is not valid JSON: ./));

    const rejections: Array<[string, unknown, string, string]> = [
      ['/v1/track', '', '', 'the body is empty; send a JSON object'],
      ['/v1/batch', '  \n', '', 'the body is empty; send a JSON object'],
      ['/v1/track', [], '', 'must be a JSON object'],
      ['/v1/track', 'null', '', 'must be a JSON object'],
      ['/v1/batch', [], '', 'the body must be a JSON object'],
      ['/v1/batch', { batch: 'x' }, 'batch', 'Invalid input: expected array, received string'],
      ['/v1/batch', {}, 'batch', 'Invalid input: expected array, received undefined'],
    ];
    for (const [path, body, issuePath, message] of rejections) {
      const response = await postTracking(server, path, { body });
      expect({ path, body, status: response.status, answer: response.body }).toEqual({
        path,
        body,
        status: 400,
        answer: {
          error: 'invalid_request',
          message: issuePath ? `${issuePath}: ${message}` : message,
          issues: [{ path: issuePath, message }],
        },
      });
    }
    expect(await storedCount(server)).toBe(before);
  });

  it('answers 400 for a body that is not gzip or uses an unknown encoding', async () => {
    const response = await fetch(`${server.url}/v1/track`, {
      method: 'POST',
      headers: { authorization: server.trackingAuth, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: '{"userId":"u-1","event":"Viewed"}',
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: 'the body is not valid gzip data',
        issues: [{ path: '', message: 'the body is not valid gzip data' }],
      },
    });
    const brotli = await fetch(`${server.url}/v1/track`, {
      method: 'POST',
      headers: { authorization: server.trackingAuth, 'content-type': 'application/json', 'content-encoding': 'br' },
      body: '{"userId":"u-1","event":"Viewed"}',
    });
    const message = 'unsupported Content-Encoding br; use gzip, deflate or none';
    expect({ status: brotli.status, body: await brotli.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_request', message, issues: [{ path: '', message }] },
    });
  });
});
