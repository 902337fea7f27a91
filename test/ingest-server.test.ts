import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import type { Database } from '../src/platform/db/database.ts';
import { buildHttpApp } from '../src/server.ts';
import { postTracking, storedEvents, type TrackingResponse } from './support/tracking-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/**
 * Keeps the event log's writer from committing until released: PostgreSQL's writers wait for the
 * `event-log` advisory lock, SQLite's for the database's only connection.
 */
async function holdEventLog(database: Database): Promise<() => Promise<void>> {
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let acquired = (): void => undefined;
  const held = new Promise<void>((resolve) => (acquired = resolve));
  // SQLite: the log may be appended from a writer thread on a connection of its own, so it is
  // held by SQLite's write lock, not just by occupying this process's connection.
  const finished = database.db.connection().execute(async (connection) => {
    if (database.dialect === 'postgres')
      await sql`select pg_advisory_lock(hashtext(${'event-log'}))`.execute(connection);
    else await sql`begin immediate`.execute(connection);
    acquired();
    await released;
    if (database.dialect === 'postgres') {
      await sql`select pg_advisory_unlock(hashtext(${'event-log'}))`.execute(connection);
    } else await sql`rollback`.execute(connection);
  });
  await held;
  return async () => {
    release();
    await finished;
  };
}

function calls(prefix: string, count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, index) => ({
    type: 'track',
    userId: 'u-1',
    event: 'Queued',
    messageId: `${prefix}${index}`,
  }));
}

describe('overload', () => {
  it('answers 429 with Retry-After once more events wait for a commit than allowed, storing none of them', async () => {
    server = await startTestServer({
      clock: createManualClock(Date.UTC(2024, 5, 1)),
      maxPendingEvents: 4,
      manualProcessing: true,
    });
    const running = server;
    const writer = running.runtime.writer;
    // Warms the write-key cache, so requests below need no database to authenticate.
    expect((await postTracking(running, '/v1/batch', { body: { batch: calls('warm-', 1) } })).status).toBe(200);
    const append = vi.spyOn(writer, 'appendRows');
    const overloaded = {
      error: 'overloaded',
      message: 'too many events are waiting to be written; retry shortly',
      issues: [],
    };
    const pending: Array<Promise<TrackingResponse>> = [];
    const release = await holdEventLog(running.runtime.database);
    try {
      // The first batch is taken into a commit, which waits; the next ones queue behind it.
      pending.push(postTracking(running, '/v1/batch', { body: { batch: calls('committing-', 3) } }));
      await vi.waitFor(() => expect([append.mock.calls.length, writer.pendingEvents()]).toEqual([1, 0]));
      pending.push(postTracking(running, '/v1/batch', { body: { batch: calls('queued-', 3) } }));
      await vi.waitFor(() => expect(writer.pendingEvents()).toBe(3));

      const refused = await postTracking(running, '/v1/batch', { body: { batch: calls('refused-', 2) } });
      expect([refused.status, refused.headers.get('retry-after'), refused.body]).toEqual([429, '1', overloaded]);

      // Up to the limit exactly is still queued.
      pending.push(postTracking(running, '/v1/track', { body: calls('fits-', 1)[0] }));
      await vi.waitFor(() => expect(writer.pendingEvents()).toBe(4));
      const oneTooMany = await postTracking(running, '/v1/track', { body: calls('one-too-many-', 1)[0] });
      expect([oneTooMany.status, oneTooMany.headers.get('retry-after'), oneTooMany.body]).toEqual([
        429,
        '1',
        overloaded,
      ]);
    } finally {
      await release();
    }
    const answers = await Promise.all(pending);
    expect(answers.map((response) => [response.status, response.body])).toEqual([
      [200, { success: true }],
      [200, { success: true }],
      [200, { success: true }],
    ]);
    const prefixes = (await storedEvents(running)).map((event) => event.messageId.replace(/\d+$/, ''));
    expect(prefixes).toEqual([
      'warm-',
      'committing-',
      'committing-',
      'committing-',
      'queued-',
      'queued-',
      'queued-',
      'fits-',
    ]);

    const retried = await postTracking(running, '/v1/batch', { body: { batch: calls('refused-', 2) } });
    expect(retried.status).toBe(200);
    expect(await storedEvents(running)).toHaveLength(10);
  });
});

/** `METHOD /path` for every route of a Fastify `printRoutes({ commonPrefix: false })` tree but HEAD. */
function routesOfTree(tree: string): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    prefixes.length = depth;
    const path = `${prefixes[depth - 1] ?? ''}${match[2] ?? ''}`;
    prefixes.push(path);
    for (const method of (match[3] ?? '').split(', ')) {
      // HEAD comes with GET, and CORS preflights (OPTIONS) are not operations a client calls.
      if (method && method !== 'HEAD' && method !== 'OPTIONS')
        routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { security?: Array<Record<string, string[]>> }>>;
}

describe('browsers', () => {
  it('answers a CORS preflight and lets any origin read the answer, since the write key authorizes', async () => {
    server = await startTestServer({ manualProcessing: true });
    const preflight = await fetch(`${server.url}/v1/t`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect([
      preflight.status,
      preflight.headers.get('access-control-allow-origin'),
      preflight.headers.get('access-control-allow-methods'),
      preflight.headers.get('access-control-allow-headers'),
    ]).toEqual([204, 'https://shop.example.com', 'POST, OPTIONS', 'Authorization, Content-Type, Content-Encoding']);

    const response = await fetch(`${server.url}/v1/t`, {
      method: 'POST',
      headers: { origin: 'https://shop.example.com', 'content-type': 'text/plain' },
      body: JSON.stringify({ writeKey: server.writeKey, userId: 'web-1', event: 'Viewed', messageId: 'cors-1' }),
    });
    expect([response.status, response.headers.get('access-control-allow-origin'), await response.json()]).toEqual([
      200,
      'https://shop.example.com',
      { success: true },
    ]);
    expect((await storedEvents(server)).map((event) => event.messageId)).toEqual(['cors-1']);
  });
});

describe('processing status', () => {
  async function statusOf(running: TestServer, auth = running.apiAuth) {
    const response = await fetch(`${running.url}/api/processing`, { headers: { authorization: auth } });
    return [response.status, await response.json()];
  }

  it("counts the workspace's accepted events that processing has not reached, and since when", async () => {
    const clock = createManualClock(Date.UTC(2026, 11, 6, 5, 0, 0));
    server = await startTestServer({ clock, manualProcessing: true });
    const running = server;
    const other = await running.runtime.workspaces.create({ name: 'Other brand' });
    expect(await statusOf(running)).toEqual([200, { pending: 0, oldestPendingReceivedAt: null, caughtUp: true }]);

    const batch = (prefix: string) => ({ batch: calls(prefix, 2) });
    expect((await postTracking(running, '/v1/batch', { body: batch('first-') })).status).toBe(200);
    clock.advance(60_000);
    expect((await postTracking(running, '/v1/batch', { body: batch('second-') })).status).toBe(200);
    const otherAuth = `Basic ${Buffer.from(`${other.writeKey}:`).toString('base64')}`;
    expect((await postTracking(running, '/v1/batch', { body: batch('other-'), auth: otherAuth })).status).toBe(200);
    expect(await statusOf(running)).toEqual([
      200,
      { pending: 4, oldestPendingReceivedAt: '2026-12-06T05:00:00.000Z', caughtUp: false },
    ]);
    expect(await statusOf(running, `Bearer ${other.secretKey}`)).toEqual([
      200,
      { pending: 2, oldestPendingReceivedAt: '2026-12-06T05:01:00.000Z', caughtUp: false },
    ]);

    expect(await running.runtime.processor.runUntilIdle()).toBe(6);
    expect(await statusOf(running)).toEqual([200, { pending: 0, oldestPendingReceivedAt: null, caughtUp: true }]);
    const [status] = await statusOf(running, 'Bearer sk_unknown');
    expect(status).toBe(401);
  });
});

describe('system routes', () => {
  it('answers /healthz with 200', async () => {
    server = await startTestServer({ manualProcessing: true });
    const response = await fetch(`${server.url}/healthz`);
    expect([response.status, response.headers.get('cache-control'), await response.json()]).toEqual([
      200,
      'no-store',
      { status: 'ok' },
    ]);
  });

  it('documents every route the server registers in /openapi.json', async () => {
    server = await startTestServer({ manualProcessing: true });
    const http = buildHttpApp(server.runtime);
    await http.app.ready();
    const registered = routesOfTree(http.app.printRoutes({ commonPrefix: false }));
    await http.app.close();
    const tracking = [
      'batch',
      'b',
      'identify',
      'i',
      'track',
      't',
      'page',
      'p',
      'screen',
      's',
      'group',
      'g',
      'alias',
      'a',
    ];
    expect(registered).toEqual(expect.arrayContaining(tracking.map((name) => `POST /v1/${name}`)));
    expect(registered).toEqual(
      expect.arrayContaining(['GET /healthz', 'GET /openapi.json', 'GET /api/members/lookup', 'GET /api/members/{id}']),
    );

    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenApiDocument;
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(registered);
    for (const name of tracking) {
      expect([name, document.paths[`/v1/${name}`]?.post?.security]).toEqual([name, [{ writeKey: [] }, {}]]);
    }
    for (const route of registered.filter((route) => route.includes(' /api/'))) {
      const [method = '', path = ''] = route.split(' ');
      expect([route, document.paths[path]?.[method.toLowerCase()]?.security]).toEqual([route, [{ secretKey: [] }]]);
    }

    // Every reference resolves inside the document (the recursive segment definition is a component).
    const text = JSON.stringify(document);
    const references = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(references.length).toBeGreaterThan(0);
    for (const reference of new Set(references)) {
      const target = reference
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
      expect([reference, target !== undefined]).toEqual([reference, true]);
    }
  });
});
