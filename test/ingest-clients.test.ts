import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemberApi, type MemberApi, type MemberBody } from './support/member-api.ts';
import { storedEvents, type StoredEvent } from './support/tracking-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
let api: MemberApi;

/** What each tracking request looked like on arrival, seen through Node's HTTP server channel. */
interface SeenRequest {
  url: string;
  contentEncoding: string | undefined;
  basicAuth: boolean;
}
let seen: SeenRequest[] = [];
function onRequestStart(message: unknown): void {
  const { request } = message as { request: IncomingMessage };
  if (!request.url?.startsWith('/v1/')) return;
  seen.push({
    url: request.url,
    contentEncoding: request.headers['content-encoding'],
    basicAuth: /^Basic /.test(request.headers.authorization ?? ''),
  });
}

beforeAll(async () => {
  server = await startTestServer({ manualProcessing: true });
  api = createMemberApi(server);
  subscribe('http.server.request.start', onRequestStart);
});

afterAll(async () => {
  unsubscribe('http.server.request.start', onRequestStart);
  await server?.close();
});

beforeEach(() => {
  seen = [];
});

/** The same six calls, as each client names its arguments. */
function callsFor(prefix: string) {
  const userId = `${prefix}-user`;
  const anonymousId = `${prefix}-anon`;
  return {
    userId,
    anonymousId,
    identify: { userId, anonymousId, traits: { email: `${prefix}@example.com`, plan: 'gold' } },
    track: { userId, event: 'Order Completed', properties: { orderId: `${prefix}-o1`, total: 99.5, currency: 'CNY' } },
    page: { anonymousId, name: 'Home', category: 'Landing', properties: { path: '/' } },
    screen: { userId, name: 'Cart', properties: { items: 2 } },
    group: { userId, groupId: `${prefix}-team`, traits: { name: 'Team' } },
    alias: { userId, previousId: anonymousId },
  };
}

function summary(events: StoredEvent[]) {
  return events.map((event) => [event.type, event.userId, event.anonymousId, event.eventName]);
}

/**
 * A client may have two requests in flight at once (a batch it flushed, and the rest on close), and
 * nothing orders concurrent requests on the server: each request's events are stored together and
 * in their order, the requests in either order. Compared in call order.
 */
function inCallOrder(events: StoredEvent[]): StoredEvent[] {
  const order = ['identify', 'track', 'page', 'screen', 'group', 'alias'];
  return [...events].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
}

function expectedSummary(calls: ReturnType<typeof callsFor>) {
  return [
    ['identify', calls.userId, calls.anonymousId, null],
    ['track', calls.userId, null, 'Order Completed'],
    ['page', null, calls.anonymousId, 'Home'],
    ['screen', calls.userId, null, 'Cart'],
    ['group', calls.userId, null, null],
    ['alias', calls.userId, null, null],
  ];
}

async function eventsOf(calls: ReturnType<typeof callsFor>): Promise<StoredEvent[]> {
  return (await storedEvents(server)).filter(
    (event) => event.userId === calls.userId || event.anonymousId === calls.anonymousId,
  );
}

/** After processing, the member holds both identities and the traits the client sent. */
async function expectMember(calls: ReturnType<typeof callsFor>): Promise<void> {
  await api.process();
  const byUser = await api.get<MemberBody>(`/api/members/lookup?type=user_id&value=${calls.userId}`);
  const byAnonymous = await api.get<MemberBody>(`/api/members/lookup?type=anonymous_id&value=${calls.anonymousId}`);
  expect([byUser.status, byAnonymous.status]).toEqual([200, 200]);
  expect(byUser.body.id).toMatch(/^mem_[0-9A-Z]{26}$/);
  expect(byAnonymous.body.id).toBe(byUser.body.id);
  expect(byUser.body.identifiers).toEqual(
    expect.arrayContaining([
      { type: 'user_id', value: calls.userId },
      { type: 'anonymous_id', value: calls.anonymousId },
    ]),
  );
  expect(byUser.body.traits).toMatchObject(calls.identify.traits);
}

describe('@segment/analytics-node', () => {
  it('delivers every call type through /v1/batch with the write key', async () => {
    const calls = callsFor('segment');
    const errors: unknown[] = [];
    const analytics = new SegmentAnalytics({
      writeKey: server.writeKey,
      host: server.url,
      path: '/v1/batch',
      flushAt: 4,
      maxRetries: 0,
    });
    analytics.on('error', (error) => errors.push(error));
    const sentBatches: string[][] = [];
    analytics.on('http_request', (request) => {
      const body = JSON.parse(request.body) as { batch: Array<{ messageId: string }> };
      sentBatches.push(body.batch.map((event) => event.messageId));
    });
    analytics.identify(calls.identify);
    analytics.track(calls.track);
    analytics.page(calls.page);
    analytics.screen(calls.screen);
    analytics.group(calls.group);
    analytics.alias(calls.alias);
    await analytics.closeAndFlush();
    expect(errors).toEqual([]);
    expect(seen).toEqual([
      { url: '/v1/batch', contentEncoding: undefined, basicAuth: true },
      { url: '/v1/batch', contentEncoding: undefined, basicAuth: true },
    ]);

    const events = await eventsOf(calls);
    expect(summary(inCallOrder(events))).toEqual(expectedSummary(calls));
    expect([sentBatches.flat(), [...sentBatches].reverse().flat()]).toContainEqual(
      events.map((event) => event.messageId),
    );
    expect(sentBatches.flat()).toHaveLength(6);
    for (const event of events) {
      expect(event.payload).toMatchObject({ context: { library: { name: '@segment/analytics-node' } } });
      expect(event.sentAt).not.toBeNull();
      expect(event.originalTimestamp).not.toBeNull();
      expect(event.eventTime).toBeLessThanOrEqual(event.receivedAt);
    }
    expect(inCallOrder(events)[1]?.payload.properties).toEqual(calls.track.properties);
    await expectMember(calls);
  });
});

describe('@rudderstack/rudder-sdk-node', () => {
  it.each([
    ['gzipped (its default)', true],
    ['plain', false],
  ])('delivers every call type through /v1/batch, %s', async (label, gzip) => {
    const calls = callsFor(`rudder-${gzip ? 'gzip' : 'plain'}`);
    const errors: unknown[] = [];
    const analytics = new RudderAnalytics(server.writeKey, {
      dataPlaneUrl: server.url,
      flushAt: 20,
      flushInterval: 60_000,
      retryCount: 0,
      logLevel: 'error',
      ...(gzip ? {} : { gzip: false }),
      errorHandler: (error) => errors.push(error),
    });
    analytics.identify(calls.identify);
    analytics.track(calls.track);
    analytics.page(calls.page);
    analytics.screen(calls.screen);
    analytics.group(calls.group);
    analytics.alias(calls.alias);
    await analytics.flush();
    expect([label, errors]).toEqual([label, []]);
    // The client sends its first call at once and the rest on flush.
    const encoding = gzip ? 'gzip' : undefined;
    expect(seen).toEqual([
      { url: '/v1/batch', contentEncoding: encoding, basicAuth: true },
      { url: '/v1/batch', contentEncoding: encoding, basicAuth: true },
    ]);

    const events = inCallOrder(await eventsOf(calls));
    expect(summary(events)).toEqual(expectedSummary(calls));
    for (const event of events) {
      expect(event.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.payload).toMatchObject({ channel: 'server', context: { library: { name: 'analytics-node' } } });
      expect(event.sentAt).not.toBeNull();
      expect(event.originalTimestamp).not.toBeNull();
    }
    expect(events[0]?.payload.context).toMatchObject({ traits: calls.identify.traits });
    await expectMember(calls);
  });
});
