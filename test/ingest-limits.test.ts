import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postTracking, storedCount, storedEvents, type TrackingResponse } from './support/tracking-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ manualProcessing: true });
});

afterAll(async () => {
  await server?.close();
});

type Call = Record<string, unknown>;

/** A track call whose JSON is exactly `bytes` bytes long. */
function paddedCall(messageId: string, bytes: number): Call {
  const call = { type: 'track', userId: 'u-1', event: 'Padded', messageId, properties: { pad: '' } };
  const padding = bytes - Buffer.byteLength(JSON.stringify(call));
  if (padding < 0) throw new Error(`a call cannot be as small as ${bytes} bytes`);
  return { ...call, properties: { pad: 'x'.repeat(padding) } };
}

/** A batch body of `count` calls whose JSON is exactly `bytes` bytes long. */
function batchOfBytes(prefix: string, count: number, bytes: number): { batch: Call[] } {
  const overhead = Buffer.byteLength('{"batch":[]}') + count - 1;
  const each = Math.floor((bytes - overhead) / count);
  const batch = Array.from({ length: count }, (_, index) =>
    paddedCall(`${prefix}-${index}`, index === count - 1 ? bytes - overhead - each * (count - 1) : each),
  );
  expect(Buffer.byteLength(JSON.stringify({ batch }))).toBe(bytes);
  return { batch };
}

function smallCalls(prefix: string, count: number): Call[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'track',
    userId: 'u',
    event: 'e',
    messageId: `${prefix}${index}`,
  }));
}

/** The exact 400 answer: the message names the first issue, `issues` lists them all. */
function expectInvalid(response: TrackingResponse, issues: Array<{ path: string; message: string }>): void {
  const first = issues[0] ?? { path: '', message: '' };
  expect({ status: response.status, body: response.body }).toEqual({
    status: 400,
    body: {
      error: 'invalid_request',
      message: first.path ? `${first.path}: ${first.message}` : first.message,
      issues,
    },
  });
}

async function countOf(prefix: string): Promise<number> {
  return (await storedEvents(server)).filter((event) => event.messageId.startsWith(prefix)).length;
}

describe('32 KB per event', () => {
  it('accepts a call of exactly 32768 bytes and refuses one of 32769, alone or in a batch', async () => {
    const accepted = await postTracking(server, '/v1/track', { body: paddedCall('size-ok', 32_768) });
    expect(accepted.status).toBe(200);
    const batchAccepted = await postTracking(server, '/v1/batch', {
      body: { batch: [paddedCall('size-ok-b0', 100), paddedCall('size-ok-b1', 32_768)] },
    });
    expect(batchAccepted.status).toBe(200);
    expect(await countOf('size-ok')).toBe(3);

    const message = 'event is 32769 bytes; the limit is 32 KB (32768 bytes)';
    expectInvalid(await postTracking(server, '/v1/track', { body: paddedCall('size-big', 32_769) }), [
      { path: '', message },
    ]);
    const batch = [paddedCall('size-big-b0', 100), paddedCall('size-big-b1', 32_769), paddedCall('size-big-b2', 100)];
    expectInvalid(await postTracking(server, '/v1/batch', { body: { batch } }), [{ path: 'batch[1]', message }]);
    expect(await countOf('size-big')).toBe(0);
  });
});

describe('500 KB per request', () => {
  it('accepts a body of exactly 512000 bytes and refuses one of 512001', async () => {
    const exact = await postTracking(server, '/v1/batch', { body: batchOfBytes('req-ok', 16, 512_000) });
    expect({ status: exact.status, body: exact.body }).toEqual({ status: 200, body: { success: true } });
    expect(await countOf('req-ok')).toBe(16);

    const over = await postTracking(server, '/v1/batch', { body: batchOfBytes('req-big', 16, 512_001) });
    expectInvalid(over, [{ path: '', message: 'the request body is larger than 500 KB (512000 bytes)' }]);
    expect(await countOf('req-big')).toBe(0);
  });

  it('applies the limit to what a gzipped body inflates to', async () => {
    const exact = await postTracking(server, '/v1/batch', { body: batchOfBytes('zip-ok', 16, 512_000), gzip: true });
    expect({ status: exact.status, body: exact.body }).toEqual({ status: 200, body: { success: true } });
    expect(await countOf('zip-ok')).toBe(16);

    const over = await postTracking(server, '/v1/batch', { body: batchOfBytes('zip-big', 16, 512_001), gzip: true });
    expectInvalid(over, [{ path: '', message: 'the request body inflates to more than 500 KB (512000 bytes)' }]);
    expect(await countOf('zip-big')).toBe(0);
  });
});

describe('2500 events per batch', () => {
  it('stores a batch of 2500 and refuses one of 2501 whole', async () => {
    const full = await postTracking(server, '/v1/batch', { body: { batch: smallCalls('full-', 2500) } });
    expect(full.status).toBe(200);
    expect(await countOf('full-')).toBe(2500);

    const before = await storedCount(server);
    const empty = await postTracking(server, '/v1/batch', { body: { batch: [] } });
    expect({ status: empty.status, body: empty.body }).toEqual({ status: 200, body: { success: true } });
    const over = await postTracking(server, '/v1/batch', { body: { batch: smallCalls('over-', 2501) } });
    expectInvalid(over, [{ path: 'batch', message: 'must hold at most 2500 events' }]);
    expect(await storedCount(server)).toBe(before);
  });
});

describe('invalid calls', () => {
  const longId = 'm'.repeat(101);

  it.each([
    ['no userId or anonymousId', { event: 'Viewed' }, 'userId', 'userId or anonymousId is required'],
    [
      'empty identities',
      { userId: '', anonymousId: null, event: 'Viewed' },
      'userId',
      'userId or anonymousId is required',
    ],
    ['a track without event', { userId: 'u-1' }, 'event', 'a track call needs an event name'],
    [
      'a messageId over 100 characters',
      { userId: 'u-1', event: 'Viewed', messageId: longId },
      'messageId',
      'must be at most 100 characters',
    ],
    ['an empty messageId', { userId: 'u-1', event: 'Viewed', messageId: '' }, 'messageId', 'must not be empty'],
    [
      'a timestamp that is no date',
      { userId: 'u-1', event: 'Viewed', timestamp: 'yesterday' },
      'timestamp',
      'must be an ISO-8601 date-time',
    ],
    [
      'properties that are a list',
      { userId: 'u-1', event: 'Viewed', properties: [1, 2] },
      'properties',
      'must be a JSON object',
    ],
    ['a context that is text', { userId: 'u-1', event: 'Viewed', context: 'app' }, 'context', 'must be a JSON object'],
  ])('refuses %s on /v1/track and in a batch, storing nothing', async (_label, call, path, message) => {
    const before = await storedCount(server);
    expectInvalid(await postTracking(server, '/v1/track', { body: call }), [{ path, message }]);
    const batch = [...smallCalls('bad-', 3), { type: 'track', ...call }, ...smallCalls('bad-tail-', 1)];
    expectInvalid(await postTracking(server, '/v1/batch', { body: { batch } }), [
      { path: `batch[3].${path}`, message },
    ]);
    expect(await storedCount(server)).toBe(before);
  });

  it('accepts a messageId of exactly 100 characters', async () => {
    const messageId = 'k'.repeat(100);
    const response = await postTracking(server, '/v1/track', { body: { userId: 'u-1', event: 'Viewed', messageId } });
    expect(response.status).toBe(200);
    expect((await storedEvents(server)).filter((event) => event.messageId === messageId)).toHaveLength(1);
  });

  it('names every bad item of a batch and stores none of its good ones', async () => {
    const batch = [
      { type: 'track', userId: 'u-1', event: 'Good', messageId: 'mixed-0' },
      { type: 'login', userId: 'u-1', messageId: 'mixed-1' },
      5,
      { type: 'track', userId: 'u-1', messageId: 'mixed-3' },
      { type: 'identify', traits: { plan: 'gold' }, messageId: 'mixed-4' },
      { type: 'alias', userId: 'u-1', messageId: 'mixed-5' },
      { type: 'group', userId: 'u-1', messageId: 'mixed-6' },
    ];
    expectInvalid(await postTracking(server, '/v1/batch', { body: { batch } }), [
      {
        path: 'batch[1].type',
        message: 'Invalid option: expected one of "identify"|"track"|"page"|"screen"|"group"|"alias"',
      },
      { path: 'batch[2]', message: 'must be a JSON object' },
      { path: 'batch[3].event', message: 'a track call needs an event name' },
      { path: 'batch[4].userId', message: 'userId or anonymousId is required' },
      { path: 'batch[5].previousId', message: 'an alias call needs previousId' },
      { path: 'batch[6].groupId', message: 'a group call needs groupId' },
    ]);
    expect(await countOf('mixed-')).toBe(0);

    const fixed = [batch[0], { type: 'track', userId: 'u-1', event: 'Fixed', messageId: 'mixed-3' }];
    expect((await postTracking(server, '/v1/batch', { body: { batch: fixed } })).status).toBe(200);
    expect((await storedEvents(server)).filter((event) => event.messageId.startsWith('mixed-')).length).toBe(2);
  });
});
