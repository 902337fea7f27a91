import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { basicAuth, postTracking, storedEvents, type StoredEvent } from './support/tracking-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const receivedAt = Date.UTC(2024, 5, 1, 12, 0, 0);
const clock = createManualClock(receivedAt);
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ clock, manualProcessing: true });
});

afterAll(async () => {
  await server?.close();
});

const minute = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

async function byMessageId(prefix: string): Promise<StoredEvent[]> {
  return (await storedEvents(server)).filter((event) => event.messageId.startsWith(prefix));
}

describe('batch-level context and integrations', () => {
  it('merges into every item, the item winning key by key', async () => {
    const response = await postTracking(server, '/v1/batch', {
      body: {
        context: { ip: '10.0.0.1', library: { name: 'batcher', version: '1.0' }, locale: 'zh-CN' },
        integrations: { All: false, Braze: true },
        batch: [
          {
            type: 'track',
            userId: 'u-1',
            event: 'Viewed',
            messageId: 'merge-0',
            context: { ip: '10.0.0.2', page: { path: '/cart' } },
            integrations: { Braze: false, Mixpanel: true },
          },
          { type: 'identify', userId: 'u-1', messageId: 'merge-1', traits: { plan: 'gold' } },
        ],
      },
    });
    expect(response.status).toBe(200);
    const [first, second] = await byMessageId('merge-');
    expect(first?.payload.context).toEqual({
      ip: '10.0.0.2',
      library: { name: 'batcher', version: '1.0' },
      locale: 'zh-CN',
      page: { path: '/cart' },
    });
    expect(first?.payload.integrations).toEqual({ All: false, Braze: false, Mixpanel: true });
    expect(second?.payload.context).toEqual({
      ip: '10.0.0.1',
      library: { name: 'batcher', version: '1.0' },
      locale: 'zh-CN',
    });
    expect(second?.payload.integrations).toEqual({ All: false, Braze: true });
    expect(second?.payload.traits).toEqual({ plan: 'gold' });
  });

  it('adds no context or integrations to an item when neither level has them', async () => {
    await postTracking(server, '/v1/batch', {
      body: { batch: [{ type: 'track', userId: 'u-1', event: 'Bare', messageId: 'bare-0' }] },
    });
    const [bare] = await byMessageId('bare-');
    expect(bare?.payload).not.toHaveProperty('context');
    expect(bare?.payload).not.toHaveProperty('integrations');
  });
});

describe('event time', () => {
  it('corrects the device clock: receivedAt − (sentAt − (originalTimestamp ?? timestamp))', async () => {
    // The device's clock runs an hour fast; the gaps it measured are right.
    const sentAt = receivedAt + 60 * minute;
    const batch = [
      { type: 'track', userId: 'u-1', event: 'A', messageId: 'time-a', originalTimestamp: iso(sentAt - 5 * minute) },
      { type: 'track', userId: 'u-1', event: 'B', messageId: 'time-b', timestamp: iso(sentAt - 10 * minute) },
      {
        type: 'track',
        userId: 'u-1',
        event: 'C',
        messageId: 'time-c',
        originalTimestamp: iso(sentAt - 2 * minute),
        timestamp: iso(sentAt - 30 * minute),
      },
      {
        type: 'track',
        userId: 'u-1',
        event: 'D',
        messageId: 'time-d',
        sentAt: iso(sentAt + minute),
        originalTimestamp: '2024-06-01T15:00:00+02:00',
      },
      { type: 'track', userId: 'u-1', event: 'E', messageId: 'time-e' },
    ];
    const response = await postTracking(server, '/v1/batch', { body: { sentAt: iso(sentAt), batch } });
    expect(response.status).toBe(200);
    const stored = await byMessageId('time-');
    const expected: Array<[string, number, number | null, number | null]> = [
      ['time-a', receivedAt - 5 * minute, sentAt, sentAt - 5 * minute],
      ['time-b', receivedAt - 10 * minute, sentAt, sentAt - 10 * minute],
      ['time-c', receivedAt - 2 * minute, sentAt, sentAt - 2 * minute],
      ['time-d', receivedAt - minute, sentAt + minute, sentAt],
      ['time-e', receivedAt, sentAt, null],
    ];
    expect(
      stored.map((event) => [
        event.messageId,
        event.eventTime,
        event.sentAt,
        event.originalTimestamp,
        event.receivedAt,
      ]),
    ).toEqual(expected.map(([id, eventTime, sent, original]) => [id, eventTime, sent, original, receivedAt]));
    expect(
      stored.map(({ payload }) => [payload.timestamp, payload.originalTimestamp, payload.sentAt, payload.receivedAt]),
    ).toEqual(
      expected.map(([, eventTime, sent, original]) => [
        iso(eventTime),
        original === null ? null : iso(original),
        sent === null ? null : iso(sent),
        iso(receivedAt),
      ]),
    );
  });

  it('trusts the timestamp when there is no sentAt, and uses receivedAt from the clock', async () => {
    clock.set(receivedAt + 7 * minute);
    const happened = receivedAt - 3 * 24 * 60 * minute;
    await postTracking(server, '/v1/track', {
      body: { userId: 'u-1', event: 'Late', messageId: 'late-0', timestamp: iso(happened) },
    });
    const [late] = await byMessageId('late-');
    expect(late && [late.eventTime, late.sentAt, late.originalTimestamp, late.receivedAt]).toEqual([
      happened,
      null,
      happened,
      receivedAt + 7 * minute,
    ]);
    expect(late?.payload).toMatchObject({
      timestamp: iso(happened),
      originalTimestamp: iso(happened),
      sentAt: null,
      receivedAt: iso(receivedAt + 7 * minute),
    });
    clock.set(receivedAt);
  });
});

describe('deduplication by (workspace, messageId)', () => {
  it('stores a batch sent twice once, answering 200 both times', async () => {
    const batch = [
      { type: 'track', userId: 'u-1', event: 'First', messageId: 'dup-0' },
      { type: 'identify', userId: 'u-1', messageId: 'dup-1', traits: { plan: 'gold' } },
    ];
    const first = await postTracking(server, '/v1/batch', { body: { batch } });
    clock.advance(minute);
    const retry = await postTracking(server, '/v1/batch', { body: { batch } });
    const changed = await postTracking(server, '/v1/track', {
      body: { userId: 'u-2', event: 'Changed', messageId: 'dup-0' },
    });
    expect([first, retry, changed].map((response) => [response.status, response.body])).toEqual([
      [200, { success: true }],
      [200, { success: true }],
      [200, { success: true }],
    ]);
    const stored = await byMessageId('dup-');
    expect(
      stored.map((event) => [event.messageId, event.type, event.userId, event.eventName, event.receivedAt]),
    ).toEqual([
      ['dup-0', 'track', 'u-1', 'First', receivedAt],
      ['dup-1', 'identify', 'u-1', null, receivedAt],
    ]);
    clock.set(receivedAt);
  });

  it('keeps the first of two items with the same messageId in one batch', async () => {
    const batch = [
      { type: 'track', userId: 'u-1', event: 'One', messageId: 'twin-0' },
      { type: 'track', userId: 'u-1', event: 'Two', messageId: 'twin-0' },
    ];
    expect((await postTracking(server, '/v1/batch', { body: { batch } })).status).toBe(200);
    expect((await byMessageId('twin-')).map((event) => event.eventName)).toEqual(['One']);
  });

  it('gives calls without a messageId one of their own, so a resend is stored again', async () => {
    const before = (await byMessageId('hearth-')).length;
    const call = { userId: 'u-1', event: 'No Id' };
    expect((await postTracking(server, '/v1/track', { body: call })).status).toBe(200);
    expect((await postTracking(server, '/v1/track', { body: call })).status).toBe(200);
    const generated = (await byMessageId('hearth-')).slice(before);
    expect(generated).toHaveLength(2);
    for (const event of generated) {
      expect(event.messageId).toMatch(/^hearth-[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(event.payload.messageId).toBe(event.messageId);
    }
    expect(generated[0]?.messageId).not.toBe(generated[1]?.messageId);
  });

  it('stores the same messageId once in each of two workspaces', async () => {
    const other = await server.runtime.workspaces.create({ name: 'Other brand' });
    const call = { userId: 'u-1', event: 'Shared', messageId: 'shared-0' };
    const keys = [server.writeKey, other.writeKey, server.writeKey, other.writeKey];
    for (const key of keys) {
      const response = await postTracking(server, '/v1/track', { body: call, auth: basicAuth(key) });
      expect(response.status).toBe(200);
    }
    const stored = await byMessageId('shared-');
    expect(stored.map((event) => event.workspaceId).sort()).toEqual([server.workspaceId, other.workspaceId].sort());
  });
});
