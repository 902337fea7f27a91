import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/platform/log.ts';
import { openRuntime } from '../src/runtime.ts';
import { runHearth } from './support/hearth-cli.ts';
import { createTestDatabase } from './support/test-database.ts';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi, type MemberApi, type MemberBody, type MemberEventsBody } from './support/member-api.ts';
import { orderCompleted } from './support/orders.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 4, 1, 2, 0, 0);

const program = {
  pointValue: { points: 10, amount: 100 },
  earning: [
    {
      id: 'orders',
      name: '1 point per CNY',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1, per: 100 },
    },
    { id: 'reviews', name: '5 per review', event: 'Review Posted', award: { kind: 'fixed', points: 5 } },
  ],
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function order(userId: string, messageId: string, properties: Record<string, unknown>, at = start) {
  return {
    type: 'track',
    userId,
    event: 'Order Completed',
    messageId,
    timestamp: new Date(at).toISOString(),
    properties,
  };
}

interface Report {
  refusedEvents: number;
  byReason: Array<{ reason: string; event: string | null; count: number; lastReceivedAt: string }>;
  recent: Array<{ messageId: string; memberId: string | null; refusal: { reason: string; field: string } }>;
  limits: { maxAmount: number; maxQuantity: number; maxProducts: number };
}

async function open(): Promise<MemberApi> {
  server = await startTestServer({
    clock: createManualClock(start + day),
    workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' },
  });
  const api = createMemberApi(server);
  expect((await api.request('PUT', '/api/loyalty/program', { body: program })).status).toBe(200);
  return api;
}

async function standing(api: MemberApi, userId: string) {
  const memberId = await api.memberIdOf('user_id', userId);
  const member = (await api.get<MemberBody>(`/api/members/${memberId}`)).body;
  const points = (await api.get<{ available: number; pending: number }>(`/api/members/${memberId}/points`)).body;
  return {
    orderCount: member.features.orderCount,
    totalSpend: member.features.totalSpend,
    points: points.available + points.pending,
  };
}

describe('events whose numbers cannot be trusted', () => {
  it('are kept in the log and on the timeline, counted by no stage, and reported', async () => {
    const api = await open();
    await api.sendAndProcess([
      order('huge', 'o-huge', { order_id: 'h-1', total: 1e300 }),
      order('negative', 'o-negative', { order_id: 'n-1', total: -123.45 }),
      order('oops', 'o-oops', { order_id: 'x-1', total: 'oops' }),
      order('no-id', 'o-no-id-1', { total: 50 }),
      order('no-id', 'o-no-id-2', { total: 50 }),
      order('lines', 'o-lines', { order_id: 'l-1', products: [{ price: 10, quantity: -2 }] }),
      // Numeric strings are read as numbers: this order counts.
      order('fine', 'o-fine', { order_id: 'f-1', total: '12.50' }),
      {
        type: 'track',
        userId: 'fine',
        event: 'Review Posted',
        messageId: 'r-1',
        timestamp: new Date(start).toISOString(),
      },
    ]);

    for (const userId of ['huge', 'negative', 'oops', 'no-id', 'lines']) {
      expect([userId, await standing(api, userId)]).toEqual([userId, { orderCount: 0, totalSpend: 0, points: 0 }]);
    }
    // 12.50 CNY earns 12 points (1 per CNY), the review 5.
    expect(await standing(api, 'fine')).toEqual({ orderCount: 1, totalSpend: 1250, points: 17 });
    const liability = await api.get<{ points: { total: number } }>('/api/loyalty/liability');
    expect(liability.body.points.total).toBe(17);
    // A simulation over the log counts them no more than processing did.
    const directory = mkdtempSync(join(tmpdir(), 'hearth-quality-'));
    const file = join(directory, 'program.json');
    writeFileSync(file, JSON.stringify(program));
    const simulated = await runHearth([
      'simulate',
      '--program',
      file,
      '--json',
      '--db',
      server?.database.location ?? '',
    ]);
    rmSync(directory, { recursive: true, force: true });
    expect(simulated.code, simulated.stderr).toBe(0);
    const figures = JSON.parse(simulated.stdout) as Record<'current' | 'proposed', { issued: number }>;
    expect([figures.current.issued, figures.proposed.issued]).toEqual([17, 17]);

    const huge = await api.memberIdOf('user_id', 'huge');
    const timeline = await api.get<MemberEventsBody>(`/api/members/${huge}/events`);
    expect(timeline.body.events.map((event) => [event.messageId, event.refusal])).toEqual([
      ['o-huge', { reason: 'too_large', field: 'properties.total', message: 'must be at most 10,000,000' }],
    ]);

    const report = await api.get<Report>('/api/data-quality');
    expect(report.status).toBe(200);
    expect(report.body.refusedEvents).toBe(6);
    expect(report.body.byReason.map(({ reason, event, count }) => [reason, event, count])).toEqual([
      ['missing_order_id', 'Order Completed', 2],
      ['negative', 'Order Completed', 2],
      ['not_a_number', 'Order Completed', 1],
      ['too_large', 'Order Completed', 1],
    ]);
    expect(report.body.recent.map((event) => [event.messageId, event.refusal.reason, event.refusal.field])).toEqual([
      ['o-lines', 'negative', 'properties.products.0.quantity'],
      ['o-no-id-2', 'missing_order_id', 'properties.order_id'],
      ['o-no-id-1', 'missing_order_id', 'properties.order_id'],
      ['o-oops', 'not_a_number', 'properties.total'],
      ['o-negative', 'negative', 'properties.total'],
      ['o-huge', 'too_large', 'properties.total'],
    ]);
    expect(report.body.recent[0]?.memberId).toBe(await api.memberIdOf('user_id', 'lines'));
    expect(report.body.limits).toEqual({ maxAmount: 10_000_000, maxQuantity: 1_000_000, maxProducts: 5_000 });

    // Segments count only the orders that count, in SQL and in memory alike.
    const preview = await api.request<{ count: number; sample: Array<{ memberId: string }> }>(
      'POST',
      '/api/segments/preview',
      { body: { definition: { type: 'event', name: 'Order Completed', lastDays: 30 } } },
    );
    expect(preview.body.sample.map((member) => member.memberId)).toEqual([await api.memberIdOf('user_id', 'fine')]);

    const { live, replayed } = await replayInPlace((server as TestServer).runtime);
    expect(replayed).toEqual(live);
    expect((await api.get<Report>('/api/data-quality')).body.refusedEvents).toBe(6);
  });

  it('applies bounds a workspace sets from their place in the log on', async () => {
    const api = await open();
    await api.sendAndProcess([orderCompleted('ana', 'a-1', 150, start)]);
    const saved = await api.request('PUT', '/api/data-quality/limits', { body: { maxAmount: 100 } });
    expect(saved.body).toEqual({ maxAmount: 100, maxQuantity: 1_000_000, maxProducts: 5_000 });
    await api.sendAndProcess([orderCompleted('ana', 'a-2', 150, start), orderCompleted('ana', 'a-3', 90, start)]);
    expect(await standing(api, 'ana')).toEqual({ orderCount: 2, totalSpend: 24_000, points: 240 });
    expect((await api.get('/api/data-quality/limits')).body).toEqual(saved.body);
    const report = await api.get<Report>('/api/data-quality');
    expect(report.body.recent.map((event) => [event.messageId, event.refusal.reason])).toEqual([
      ['order-a-2', 'too_large'],
    ]);

    const { live, replayed } = await replayInPlace((server as TestServer).runtime);
    expect(replayed).toEqual(live);
    expect(await standing(api, 'ana')).toEqual({ orderCount: 2, totalSpend: 24_000, points: 240 });
    expect((await api.get('/api/data-quality/limits')).body).toEqual(saved.body);
  });

  it('count in no segment: saved, previewed in SQL or by the in-memory index', async () => {
    server = await startTestServer({ clock: createManualClock(start + day), previewIndexMinimumMembers: 0 });
    const api = createMemberApi(server);
    await api.sendAndProcess([
      order('bad', 'o-bad', { order_id: 'b-1', total: 'NaN' }),
      order('good', 'o-good', { order_id: 'g-1', total: 20 }),
    ]);
    const good = await api.memberIdOf('user_id', 'good');
    const definition = { type: 'event', name: 'Order Completed', lastDays: 30 };
    const saved = await api.request<{ id: string }>('POST', '/api/segments', { body: { name: 'Buyers', definition } });
    expect(saved.status).toBe(201);
    const members = await api.get<{ members: Array<{ memberId: string }> }>(`/api/segments/${saved.body.id}/members`);
    expect(members.body.members.map((member) => member.memberId)).toEqual([good]);
    const counted = new Map<string, string[]>();
    for (let attempt = 0; attempt < 500 && counted.size < 2; attempt += 1) {
      const preview = await api.request<{ sample: Array<{ memberId: string }>; countedBy: string }>(
        'POST',
        '/api/segments/preview',
        { body: { definition } },
      );
      counted.set(
        preview.body.countedBy,
        preview.body.sample.map((member) => member.memberId),
      );
      if (counted.size < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(Object.fromEntries(counted)).toEqual({ database: [good], index: [good] });
  });

  it('stay uncounted when a split rebuilds the member from the log', async () => {
    const api = await open();
    const at = (hours: number) => new Date(start + hours * 3_600_000).toISOString();
    await api.sendAndProcess([
      { type: 'identify', userId: 'mom', traits: { email: 'family@x.cn' }, timestamp: at(1) },
      { ...order('mom', 'o-bad', { order_id: 'm-1', total: -40 }), timestamp: at(2) },
      { ...order('mom', 'o-good', { order_id: 'm-2', total: 30 }), timestamp: at(3) },
      { type: 'identify', anonymousId: 'kid', traits: { email: 'family@x.cn' }, timestamp: at(4) },
      {
        type: 'track',
        anonymousId: 'kid',
        event: 'Order Completed',
        messageId: 'o-kid',
        properties: { order_id: 'k-1', total: 'lots' },
        timestamp: at(5),
      },
    ]);
    expect(await standing(api, 'mom')).toEqual({ orderCount: 1, totalSpend: 3_000, points: 30 });
    const mom = await api.memberIdOf('user_id', 'mom');
    const split = await api.request('DELETE', `/api/members/${mom}/identifiers/email/family@x.cn`);
    expect(split.status).toBe(200);
    expect(await standing(api, 'mom')).toEqual({ orderCount: 1, totalSpend: 3_000, points: 30 });
    const kid = await api.memberIdOf('anonymous_id', 'kid');
    const kidEvents = await api.get<MemberEventsBody>(`/api/members/${kid}/events`);
    expect(kidEvents.body.events.map((event) => [event.messageId, event.refusal?.reason ?? null])).toEqual([
      ['o-kid', 'not_a_number'],
      [expect.any(String), null],
    ]);
    const { live, replayed } = await replayInPlace((server as TestServer).runtime);
    expect(replayed).toEqual(live);
  });

  it('refuses bounds that are not whole numbers in range, naming the field', async () => {
    const api = await open();
    for (const [body, path] of [
      [{ maxAmount: 0 }, 'body.maxAmount'],
      [{ maxAmount: 1.5 }, 'body.maxAmount'],
      [{ maxQuantity: 10_000_000_000 }, 'body.maxQuantity'],
      [{ maxProducts: 'many' }, 'body.maxProducts'],
      [{ maxAmount: 10, extra: true }, 'body'],
    ] as const) {
      const response = await api.request<{ issues: Array<{ path: string }> }>('PUT', '/api/data-quality/limits', {
        body,
      });
      expect([body, response.status, response.body.issues[0]?.path]).toEqual([body, 400, path]);
    }
    expect((await api.get('/api/data-quality/limits')).body).toEqual({
      maxAmount: 10_000_000,
      maxQuantity: 1_000_000,
      maxProducts: 5_000,
    });
  });

  it('filters the report by when the events were received', async () => {
    const api = await open();
    await api.sendAndProcess([order('a', 'bad-1', { order_id: 'b-1', total: 'x' })]);
    const later = new Date(Date.now() + 60_000).toISOString();
    const none = await api.get<Report>(`/api/data-quality?from=${encodeURIComponent(later)}`);
    expect([none.body.refusedEvents, none.body.byReason, none.body.recent]).toEqual([0, [], []]);
    const all = await api.get<Report>('/api/data-quality?examples=0');
    expect([all.body.refusedEvents, all.body.recent]).toEqual([1, []]);
    const bad = await api.request<{ issues: Array<{ path: string }> }>('GET', '/api/data-quality?from=yesterday');
    expect([bad.status, bad.body.issues[0]?.path]).toEqual([400, 'query.from']);
  });
});

describe('events imported from a file', () => {
  it('go through the same checks as tracked ones', async () => {
    const database = await createTestDatabase();
    const directory = mkdtempSync(join(tmpdir(), 'hearth-quality-'));
    try {
      const created = await runHearth(['workspace', 'create', '--name', 'Shop', '--json', '--db', database.location]);
      expect(created.code, created.stderr).toBe(0);
      const { workspaceId } = JSON.parse(created.stdout) as { workspaceId: string };
      const file = join(directory, 'orders.ndjson');
      const lines = [
        order('ana', 'i-1', { order_id: 'a-1', total: '1e300' }),
        order('ana', 'i-2', { order_id: 'a-2', total: 25, products: [{ price: 5, quantity: 'five' }] }),
        order('ana', 'i-3', { order_id: 'a-3', total: 25 }),
      ];
      writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
      const imported = await runHearth(['import', file, '--json', '--db', database.location]);
      expect([imported.code, imported.stdout]).toEqual([0, '{"accepted":3,"duplicates":0,"rejected":0}\n']);

      const runtime = await openRuntime({ database: database.location, logger: silentLogger });
      try {
        const report = await runtime.quality.report(workspaceId, { examples: 5 });
        expect(report.recent.map((event) => [event.messageId, event.refusal.reason, event.refusal.field])).toEqual([
          ['i-2', 'not_a_number', 'properties.products.0.quantity'],
          ['i-1', 'not_a_number', 'properties.total'],
        ]);
        const memberId = report.recent[0]?.memberId ?? '';
        expect((await runtime.profiles.profile(memberId)).features).toMatchObject({ orderCount: 1, totalSpend: 2_500 });
      } finally {
        await runtime.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
      await database.drop();
    }
  });
});
