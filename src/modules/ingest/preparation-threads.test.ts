import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { HearthError } from '../../platform/errors.ts';
import { flattenRows, isPacked, type AppendRows } from './log-thread-payloads.ts';
import { createPreparationThreads, type RequestPreparer } from './preparation-threads.ts';
import { prepareEncodedRequest, type EncodedTrackingRequest } from './request-preparation.ts';

const receivedAt = Date.UTC(2026, 11, 6, 4, 0, 0);

function request(body: unknown, overrides: Partial<EncodedTrackingRequest> = {}): EncodedTrackingRequest {
  return {
    workspaceId: 'ws_a',
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    contentEncoding: undefined,
    route: 'batch',
    receivedAt,
    ...overrides,
  };
}

const batch = {
  sentAt: '2026-12-06T03:59:59.000Z',
  context: { library: { name: 'analytics-node' } },
  batch: [
    { type: 'identify', userId: 'u-1', messageId: 'm-1', traits: { name: '王小明', email: 'A@Example.com' } },
    { type: 'track', userId: 'u-1', messageId: 'm-2', event: '下单', properties: { total: 12.5 } },
  ],
};

/** Rows with their payloads as text; the event id (drawn per thread) is left out. */
function readable(rows: AppendRows) {
  return flattenRows([rows]).map(([, ...rest]) =>
    rest.map((value) => (Buffer.isBuffer(value) ? value.toString() : value)),
  );
}

async function refusalOf(promise: Promise<unknown>): Promise<HearthError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HearthError)) throw new Error(`expected a HearthError, got ${String(error)}`);
  return error;
}

function refusalOnThisThread(input: EncodedTrackingRequest): HearthError {
  try {
    prepareEncodedRequest(input);
  } catch (error) {
    if (error instanceof HearthError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('request preparation threads', () => {
  let preparer: RequestPreparer | undefined;
  afterEach(async () => {
    await preparer?.close();
    preparer = undefined;
  });

  it('give the rows the main thread would have made, packed for the log thread, gzipped or not', async () => {
    preparer = createPreparationThreads({ threads: 2 });
    const expected = readable(prepareEncodedRequest(request(batch)));
    const plain = await preparer.prepare(request(batch));
    const gzipped = await preparer.prepare(
      request(batch, { body: gzipSync(JSON.stringify(batch)), contentEncoding: 'gzip' }),
    );
    expect(isPacked(plain)).toBe(true);
    expect(readable(plain)).toEqual(expected);
    expect(readable(gzipped)).toEqual(expected);
    expect(expected.map((row) => [row[0], row[1], row[3], row[4]])).toEqual([
      ['ws_a', 'm-1', null, 'u-1'],
      ['ws_a', 'm-2', '下单', 'u-1'],
    ]);
  });

  it('refuse bad requests with the same error, issues and all, as the main thread', async () => {
    preparer = createPreparationThreads({ threads: 1 });
    const bad = [
      request('{"batch": ['),
      request({
        batch: [
          { type: 'track', userId: 'u-1' },
          { type: 'track', event: 'Anonymous' },
        ],
      }),
      request({ type: 'identify', userId: 'u-1' }, { route: 'track' }),
      request('{}', { contentEncoding: 'br' }),
    ];
    for (const input of bad) {
      const refusal = await refusalOf(preparer.prepare(input));
      const expected = refusalOnThisThread(input);
      expect([refusal.code, refusal.message, refusal.issues]).toEqual([
        expected.code,
        expected.message,
        expected.issues,
      ]);
    }
    expect(refusalOnThisThread(bad[1] as EncodedTrackingRequest).issues.map((issue) => issue.path)).toEqual([
      'batch[0].event',
      'batch[1].userId',
    ]);
  });

  it('refuse with 429 once the requests waiting for a thread pass the byte limit', async () => {
    preparer = createPreparationThreads({ threads: 1, maxQueuedBytes: 10 });
    const first = preparer.prepare(request(batch));
    const refusal = await refusalOf(preparer.prepare(request(batch)));
    expect([refusal.code, refusal.status, refusal.retryAfterSeconds]).toEqual(['overloaded', 429, 1]);
    expect(flattenRows([await first])).toHaveLength(2);
    // Once the queue is empty again, a request of any size is taken.
    expect(flattenRows([await preparer.prepare(request(batch))])).toHaveLength(2);
  });

  it('prepare on the calling thread when there are none, and answer what was sent before a close', async () => {
    preparer = createPreparationThreads({ threads: 0 });
    expect(isPacked(await preparer.prepare(request(batch)))).toBe(false);
    await preparer.close();
    preparer = createPreparationThreads({ threads: 1 });
    const sent = Array.from({ length: 5 }, () => preparer?.prepare(request(batch)));
    await preparer.close();
    preparer = undefined;
    expect((await Promise.all(sent)).map((rows) => flattenRows([rows as AppendRows]).length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('fail what a dying thread held with 503, then prepare on the calling thread', async () => {
    // A heap too small to start in: the thread dies while the first requests wait for it.
    preparer = createPreparationThreads({
      threads: 1,
      resourceLimits: { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 },
    });
    const held = [preparer.prepare(request(batch)), preparer.prepare(request(batch))];
    for (const refusal of await Promise.all(held.map(refusalOf))) {
      expect([refusal.code, refusal.status, refusal.retryAfterSeconds]).toEqual(['unavailable', 503, 1]);
    }
    const after = await preparer.prepare(request(batch));
    expect([isPacked(after), readable(after)]).toEqual([false, readable(prepareEncodedRequest(request(batch)))]);
  });
});
