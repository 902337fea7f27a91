import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Database } from '../src/platform/db/database.ts';
import { findInconsistencies, readCheckpoint, readLastSeq, snapshotDerivedState } from './support/derived-state.ts';
import { runHearth, waitFor } from './support/hearth-cli.ts';
import { useServerFixtures } from './support/server-fixtures.ts';

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function post(url: string, writeKey: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: basic(writeKey), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function getApi(url: string, path: string, authorization?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });
  return { status: response.status, body: await response.json() };
}

async function waitUntilProcessed(db: Database['db']): Promise<number> {
  return waitFor('the processor to catch up', async () => {
    const last = await readLastSeq(db);
    return last > 0 && (await readCheckpoint(db)) === last ? last : undefined;
  });
}

describe('hearth replay and hearth workspace create, through the real CLI', () => {
  const { setup, serve, defer } = useServerFixtures();

  it('rebuilds from the log exactly the state that live processing built', async () => {
    const { database, inspector } = await setup();
    const demo = await runHearth([
      'demo',
      '--members',
      '200',
      '--seed',
      '7',
      '--no-process',
      '--json',
      '--db',
      database.location,
    ]);
    expect(demo.code, demo.stderr).toBe(0);
    const loaded = JSON.parse(demo.stdout) as { accepted: number; created?: { writeKey: string } };
    expect(loaded.accepted).toBeGreaterThan(2_000);
    const writeKey = loaded.created?.writeKey;
    if (!writeKey) throw new Error(`demo created no workspace: ${demo.stdout}`);
    expect(await readCheckpoint(inspector.db)).toBe(0);

    // The server processes the demo log while live calls arrive, so batches split differently from a replay.
    const server = await serve(database.location);
    const users = await inspector.db
      .selectFrom('events')
      .select('user_id')
      .distinct()
      .where('user_id', 'is not', null)
      .orderBy('user_id')
      .limit(20)
      .execute();
    expect(users).toHaveLength(20);
    for (const [index, { user_id: userId }] of users.entries()) {
      const visitor = `visitor-${index}`;
      const calls: Array<[string, Record<string, unknown>]> = [
        ['/v1/track', { anonymousId: visitor, event: 'Product Viewed', properties: { channel: 'web' } }],
        ['/v1/identify', { userId, anonymousId: visitor, traits: { loyaltyTier: `tier-${index % 3}` } }],
        ['/v1/track', { userId, event: 'Order Completed', properties: { order_id: `live-${index}`, total: 88 } }],
        ['/v1/track', { userId, event: 'Order Refunded', properties: { order_id: `live-${index}`, total: 8 } }],
      ];
      if (index % 4 === 0) calls.push(['/v1/alias', { userId, previousId: `old-visitor-${index}` }]);
      for (const [path, body] of calls) expect(await post(server.url, writeKey, path, body)).toBe(200);
    }
    await waitUntilProcessed(inspector.db);
    expect(await findInconsistencies(inspector)).toEqual([]);
    expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });

    // Timers may append derived events after the catch-up above; a clean stop still processes every one.
    const live = await snapshotDerivedState(inspector);
    expect(live.checkpoint).toBe(await readLastSeq(inspector.db));
    expect(live.members.length).toBeGreaterThan(200);
    expect(live.members.some((member) => member.mergedInto !== null)).toBe(true);
    expect(live.orders.length).toBeGreaterThan(100);

    // Damage the derived state: a replay must rebuild it from the log, not leave it as found.
    const victim = live.members.find((member) => member.mergedInto === null)?.id ?? '';
    await inspector.db
      .updateTable('members')
      .set({ features: '{"eventCount":999}' })
      .where('id', '=', victim)
      .execute();
    await inspector.db.deleteFrom('identifiers').where('member_id', '=', victim).execute();
    await inspector.db.deleteFrom('orders').where('order_id', 'like', 'live-%').execute();
    expect(await snapshotDerivedState(inspector)).not.toEqual(live);

    const replay = await runHearth(['replay', '--json', '--db', database.location]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({
      events: (await inspector.db.selectFrom('events').select('seq').execute()).length,
    });
    expect(await snapshotDerivedState(inspector)).toEqual(live);

    const again = await runHearth(['replay', '--db', database.location]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^replayed \d+ events\n$/);
    expect(await snapshotDerivedState(inspector)).toEqual(live);
  }, 180_000);

  it('workspace create --json prints exactly the keys, and they work against a served instance', async () => {
    const { database, inspector } = await setup();
    const created = await runHearth([
      'workspace',
      'create',
      '--name',
      'Brand X',
      '--currency',
      'gbp',
      '--timezone',
      'Europe/London',
      '--phone-region',
      'gb',
      '--json',
      '--db',
      database.location,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^\{[^\n]*\}\n$/);
    const keys = JSON.parse(created.stdout) as Record<string, string>;
    expect(Object.keys(keys)).toEqual(['workspaceId', 'writeKey', 'secretKey']);
    expect(keys).toEqual({
      workspaceId: expect.stringMatching(/^ws_\w+$/),
      writeKey: expect.stringMatching(/^wk_\w+$/),
      secretKey: expect.stringMatching(/^sk_\w+$/),
    });
    const { workspaceId = '', writeKey = '', secretKey = '' } = keys;

    const server = await serve(database.location);
    // A workspace exists, so serve creates no Default one and shows no keys.
    expect(server.keys).toBeUndefined();
    expect(server.output().stdout).not.toContain('Created workspace');

    const track = { userId: 'u-1', event: 'Signed Up', traits: { email: 'ana@example.com' } };
    expect(await post(server.url, writeKey, '/v1/track', track)).toBe(200);
    expect(await post(server.url, secretKey, '/v1/track', track)).toBe(401);
    expect(await post(server.url, 'wk_unknown', '/v1/track', track)).toBe(401);
    await waitUntilProcessed(inspector.db);
    const stored = await inspector.db.selectFrom('events').select(['workspace_id', 'user_id']).execute();
    expect(stored).toEqual([{ workspace_id: workspaceId, user_id: 'u-1' }]);

    expect(await getApi(server.url, '/api/workspace', `Bearer ${secretKey}`)).toEqual({
      status: 200,
      body: expect.objectContaining({
        id: workspaceId,
        name: 'Brand X',
        currency: 'GBP',
        timezone: 'Europe/London',
        phoneRegion: 'GB',
      }),
    });
    const member = await getApi(server.url, '/api/members/lookup?type=user_id&value=u-1', `Bearer ${secretKey}`);
    expect(member).toMatchObject({ status: 200, body: { features: { eventCount: 1 } } });
    expect((await getApi(server.url, '/api/workspace', `Bearer ${writeKey}`)).status).toBe(401);
    expect((await getApi(server.url, '/api/workspace')).status).toBe(401);
    expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('serve on a taken port fails at once, and makes no workspace whose keys nobody saw', async () => {
    const { database } = await setup();
    const occupant = createServer();
    await new Promise<void>((listening) => occupant.listen(0, '127.0.0.1', listening));
    defer(() => new Promise((closed) => occupant.close(closed)));
    const port = (occupant.address() as AddressInfo).port;

    const startedAt = Date.now();
    const failed = await runHearth(['serve', '--port', String(port), '--db', database.location]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('EADDRINUSE');
    expect(failed.stdout).toBe('');
    // An open PostgreSQL pool kept the failed command alive until its idle timeout (10 s).
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const list = await runHearth(['workspace', 'list', '--json', '--db', database.location]);
    expect(JSON.parse(list.stdout)).toEqual([]);

    // The next start that listens creates the Default workspace and shows its keys.
    const server = await serve(database.location);
    expect(server.keys).toBeDefined();
    expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('rejects a bad option with a message naming it, a non-zero exit, and nothing created', async () => {
    const { database } = await setup();
    const create = (...options: string[]) =>
      runHearth(['workspace', 'create', ...options, '--json', '--db', database.location]);
    const [currency, timezone, region, name] = await Promise.all([
      create('--name', 'X', '--currency', 'XYZ'),
      create('--name', 'X', '--timezone', 'Mars/Olympus_Mons'),
      create('--name', 'X', '--phone-region', 'ZZ'),
      create('--currency', 'EUR'),
    ]);
    for (const [result, option] of [
      [currency, '--currency'],
      [timezone, '--timezone'],
      [region, '--phone-region'],
      [name, '--name'],
    ] as const) {
      expect(result.code, `${option}: ${result.stderr}`).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(option);
    }
    expect(currency.stderr).toContain('hearth: --currency: must be an ISO 4217 currency code');

    const list = await runHearth(['workspace', 'list', '--json', '--db', database.location]);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  }, 60_000);
});
