import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createProcessor } from '../src/platform/processor/processor.ts';
import type { DerivedEvent } from '../src/platform/processor/stage.ts';
import { readEventsAfter } from '../src/modules/ingest/event-log.repo.ts';
import { replayInPlace } from './support/derived-state.ts';
import { runHearth } from './support/hearth-cli.ts';
import { createMemberApi, type MemberApi, type MemberBody } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
// 10:00 on 1 March 2026 in Shanghai.
const start = Date.parse('2026-03-01T10:00:00+08:00');

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface SegmentBody {
  id: string;
  name: string;
  size: number;
  tagId: string | null;
  definition: unknown;
}

interface ErrorBody {
  error: string;
  issues: Array<{ path: string; message: string }>;
}

const recentBuyers = { type: 'event', name: 'Order Completed', lastDays: 30 };

function order(userId: string, orderId: string, at: number, total = 100) {
  return {
    type: 'track',
    userId,
    event: 'Order Completed',
    properties: { order_id: orderId, total, currency: 'CNY' },
    timestamp: new Date(at).toISOString(),
  };
}

function identify(userId: string, traits: Record<string, unknown>) {
  return { type: 'identify', userId, traits, timestamp: new Date(start - 30 * day).toISOString() };
}

async function setUp() {
  const clock = createManualClock(start);
  server = await startTestServer({ clock, workspace: { timezone: 'Asia/Shanghai' } });
  const api = createMemberApi(server);
  await api.sendAndProcess([
    identify('ana', { city: 'Shanghai', birthday: '1990-03-05', email: 'ana@example.com' }),
    identify('ben', { city: 'Beijing', age: 41 }),
    identify('cai', { city: 'Shanghai', age: '35', birthday: '1985-03-20' }),
    order('ana', 'o-1', start - 10 * day),
    order('ben', 'o-2', start - 25 * day, 300),
  ]);
  const [ana, ben, cai] = await Promise.all(['ana', 'ben', 'cai'].map((id) => api.memberIdOf('user_id', id)));
  return { clock, api, runtime: server.runtime, ids: { ana: ana ?? '', ben: ben ?? '', cai: cai ?? '' } };
}

async function membersOf(api: MemberApi, segmentId: string): Promise<string[]> {
  const response = await api.get<{ members: Array<{ memberId: string }> }>(`/api/segments/${segmentId}/members`);
  expect(response.status).toBe(200);
  return response.body.members.map((member) => member.memberId);
}

async function preview(api: MemberApi, definition: unknown) {
  const response = await api.request<{ count: number; sample: Array<{ memberId: string }> }>(
    'POST',
    '/api/segments/preview',
    { body: { definition } },
  );
  expect(response.status).toBe(200);
  return { count: response.body.count, sample: response.body.sample.map((member) => member.memberId).sort() };
}

describe('segments', () => {
  it('refuses bad definitions with 400 naming the path, and unknown segments with 404', async () => {
    const { api } = await setUp();
    const cases: Array<[unknown, string]> = [
      [{ type: 'trait', path: 'city', op: 'gt', value: 'x' }, 'body.definition.value'],
      [{ type: 'and', conditions: [{ type: 'weather' }] }, 'body.definition.conditions.0.type'],
      [{ type: 'event', name: 'Order Completed', lastDays: -1 }, 'body.definition.lastDays'],
      [{ type: 'random-bucket', salt: 'h', buckets: 10, from: 5, to: 5 }, 'body.definition.to'],
      [{ type: 'not', condition: { type: 'tier', op: 'in', value: [] } }, 'body.definition.condition.value'],
      [{ type: 'trait', path: 'a..b', op: 'exists' }, 'body.definition.path'],
    ];
    for (const [definition, path] of cases) {
      const response = await api.request<ErrorBody>('POST', '/api/segments/preview', { body: { definition } });
      expect([response.status, response.body.issues[0]?.path]).toEqual([400, path]);
    }
    const unnamed = await api.request<ErrorBody>('POST', '/api/segments', { body: { definition: recentBuyers } });
    expect([unnamed.status, unnamed.body.issues[0]?.path]).toEqual([400, 'body.name']);
    const missing = await api.request<ErrorBody>('GET', '/api/segments/seg_none/members');
    expect([missing.status, missing.body.error]).toEqual([404, 'not_found']);
  });

  it('previews counts and a sample for trait, event and combined definitions', async () => {
    const { api, ids } = await setUp();
    expect(await preview(api, { type: 'trait', path: 'city', op: 'eq', value: 'Shanghai' })).toEqual({
      count: 2,
      sample: [ids.ana, ids.cai].sort(),
    });
    // Typed: "35" is text, not a number.
    expect((await preview(api, { type: 'trait', path: 'age', op: 'gte', value: 30 })).sample).toEqual([ids.ben]);
    expect((await preview(api, recentBuyers)).count).toBe(2);
    const shanghaiNonBuyers = {
      type: 'and',
      conditions: [
        { type: 'trait', path: 'city', op: 'eq', value: 'Shanghai' },
        { type: 'not', condition: recentBuyers },
      ],
    };
    expect(await preview(api, shanghaiNonBuyers)).toEqual({ count: 1, sample: [ids.cai] });
    expect((await preview(api, { type: 'feature', name: 'totalSpend', op: 'gte', value: 20_000 })).sample).toEqual([
      ids.ben,
    ]);
  });

  it('keeps a saved segment fresh as events arrive and as its window slides, with daily sizes', async () => {
    const { clock, api, runtime, ids } = await setUp();
    const created = await api.request<SegmentBody>('POST', '/api/segments', {
      body: { name: 'Recent buyers', definition: recentBuyers },
    });
    expect([created.status, created.body.size]).toEqual([201, 2]);
    const segmentId = created.body.id;
    expect(await membersOf(api, segmentId)).toEqual([ids.ana, ids.ben].sort());

    await api.sendAndProcess([order('cai', 'o-3', start)]);
    expect(await membersOf(api, segmentId)).toEqual([ids.ana, ids.ben, ids.cai].sort());
    const ofCai = await api.get<{ segments: Array<{ name: string; since: string }> }>(
      `/api/members/${ids.cai}/segments`,
    );
    expect(ofCai.body.segments).toEqual([
      { id: segmentId, name: 'Recent buyers', since: new Date(start).toISOString() },
    ]);

    // Ben's order was 25 days ago: he leaves 5 days from now, to the millisecond.
    clock.set(start + 5 * day);
    await runtime.ticker.runOnce();
    expect(await membersOf(api, segmentId)).toHaveLength(3);
    clock.set(start + 5 * day + 1_000);
    expect(await runtime.ticker.runOnce()).toBe(1);
    expect(await membersOf(api, segmentId)).toEqual([ids.ana, ids.cai].sort());
    expect((await api.get<SegmentBody>(`/api/segments/${segmentId}`)).body.size).toBe(2);

    const sizes = await api.get<{ sizes: Array<{ day: string; size: number }> }>(`/api/segments/${segmentId}/sizes`);
    expect(sizes.body.sizes).toEqual([
      { day: '2026-03-01', size: 3 },
      { day: '2026-03-06', size: 2 },
    ]);
    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);

    // Deleted, the last segment leaves no timer behind to tick for (cai's order leaves its window in 30 days).
    expect((await api.request('DELETE', `/api/segments/${segmentId}`)).status).toBe(200);
    clock.set(start + 31 * day);
    expect(await runtime.ticker.runOnce()).toBe(0);

    // A segment timer left by a database from before that: one tick clears it, and no tick follows.
    await runtime.database.db
      .insertInto('timers')
      .values({ workspace_id: server?.workspaceId ?? '', owner: 'segments', subject: ids.cai, due_at: start })
      .execute();
    expect(await runtime.ticker.runOnce()).toBe(1);
    expect(await runtime.ticker.runOnce()).toBe(0);
  });

  it('emits Segment Entered and Segment Exited to the stages after it', async () => {
    const { clock, api, runtime, ids } = await setUp();
    const created = await api.request<SegmentBody>('POST', '/api/segments', {
      body: { name: 'Big spenders', definition: { type: 'feature', name: 'netSpend', op: 'gte', value: 25_000 } },
    });
    expect(created.body.size).toBe(1);
    await runtime.processor.stop();
    const seen: DerivedEvent[] = [];
    const processor = createProcessor({
      database: runtime.database,
      clock,
      logger: silentLogger,
      readEventsAfter,
      stages: [
        ...runtime.stages,
        { name: 'recorder', apply: async (batch) => void seen.push(...batch.derivedEvents), reset: async () => {} },
      ],
    });
    await api.send([
      order('ana', 'o-4', start, 200),
      { type: 'track', userId: 'ben', event: 'Order Refunded', properties: { order_id: 'o-2', total: 300 } },
    ]);
    await processor.runUntilIdle();
    const segmentEvents = seen.filter((event) => event.name.startsWith('Segment'));
    expect(segmentEvents.map((event) => [event.name, event.memberId, event.properties])).toEqual([
      ['Segment Exited', ids.ben, { segmentId: created.body.id, segmentName: 'Big spenders' }],
      ['Segment Entered', ids.ana, { segmentId: created.body.id, segmentName: 'Big spenders' }],
    ]);
    expect(segmentEvents.every((event) => event.at === start && event.causeEventId.startsWith('evt_'))).toBe(true);
  });

  it('enters a birthday segment at the local midnight it comes near', async () => {
    const { clock, api, runtime, ids } = await setUp();
    const created = await api.request<SegmentBody>('POST', '/api/segments', {
      body: { name: 'Birthday this week', definition: { type: 'birthday', withinDays: 3 } },
    });
    expect(created.body.size).toBe(0);
    await runtime.ticker.runOnce();
    clock.set(Date.parse('2026-03-02T00:00:00+08:00') - 1);
    await runtime.ticker.runOnce();
    expect(await membersOf(api, created.body.id)).toEqual([]);
    clock.set(Date.parse('2026-03-02T00:00:00+08:00'));
    expect(await runtime.ticker.runOnce()).toBe(1);
    expect(await membersOf(api, created.body.id)).toEqual([ids.ana]);
    clock.set(Date.parse('2026-03-06T00:00:00+08:00'));
    await runtime.ticker.runOnce();
    expect(await membersOf(api, created.body.id)).toEqual([]);

    // Cai's birthday, 20 March, was too far off to seed when the segment was saved: the nightly
    // pass finds it the night before it comes near, and she enters on the 17th.
    for (let date = 7; date <= 17; date += 1) {
      clock.set(Date.parse(`2026-03-${String(date).padStart(2, '0')}T00:00:00+08:00`));
      await runtime.ticker.runOnce();
      const expected = date === 17 ? [ids.cai] : [];
      expect([date, await membersOf(api, created.body.id)]).toEqual([date, expected]);
    }
  });

  it('renames, redefines, refuses a taken name, exports as CSV and deletes', async () => {
    const { api, ids } = await setUp();
    const first = await api.request<SegmentBody>('POST', '/api/segments', {
      body: { name: 'Shanghai', definition: { type: 'trait', path: 'city', op: 'eq', value: 'Shanghai' } },
      headers: { 'idempotency-key': 'create-shanghai' },
    });
    const retried = await api.request<SegmentBody>('POST', '/api/segments', {
      body: { name: 'Shanghai', definition: { type: 'trait', path: 'city', op: 'eq', value: 'Shanghai' } },
      headers: { 'idempotency-key': 'create-shanghai' },
    });
    expect([first.status, retried.status, retried.body.id]).toEqual([201, 201, first.body.id]);
    const second = await api.request<SegmentBody>('POST', '/api/segments', {
      body: { name: 'Beijing', definition: { type: 'trait', path: 'city', op: 'eq', value: 'Beijing' } },
    });
    const taken = await api.request<ErrorBody>('PUT', `/api/segments/${second.body.id}`, {
      body: { name: 'Shanghai' },
    });
    expect([taken.status, taken.body.issues[0]?.path]).toEqual([409, 'body.name']);
    const redefined = await api.request<SegmentBody>('PUT', `/api/segments/${first.body.id}`, {
      body: { definition: { type: 'identifier', identifierType: 'email' } },
    });
    expect([redefined.status, redefined.body.size, redefined.body.name]).toEqual([200, 1, 'Shanghai']);
    expect(await membersOf(api, first.body.id)).toEqual([ids.ana]);

    const exported = await runHearth(['export', 'segment', first.body.id, '--db', server?.database.location ?? '']);
    expect([exported.code, exported.stderr]).toEqual([0, '']);
    expect(exported.stdout.split('\n')).toEqual([
      'member_id,since,user_id,email,phone',
      `${ids.ana},${new Date(start).toISOString()},ana,ana@example.com,`,
      '',
    ]);
    const unknown = await runHearth(['export', 'segment', 'seg_none', '--db', server?.database.location ?? '']);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'hearth: there is no segment seg_none (see GET /api/segments)\n',
    ]);

    const deleted = await api.request('DELETE', `/api/segments/${first.body.id}`);
    expect(deleted.status).toBe(200);
    const list = await api.get<{ segments: SegmentBody[] }>('/api/segments');
    expect(list.body.segments.map((segment) => [segment.name, segment.size])).toEqual([['Beijing', 1]]);
  });

  it('uses the RFM segments scored as of each local midnight', async () => {
    const { clock, api, runtime } = await setUp();
    const wanted = ['Champions', 'Loyal Customers', 'Potential Loyalist', 'New Customers'];
    async function expected(asOf: number): Promise<string[]> {
      const scored = await api.request<{ members: Array<{ memberId: string; segment: string }> }>(
        'POST',
        '/api/analytics/rfm',
        { body: { asOf: new Date(asOf).toISOString() } },
      );
      return scored.body.members.filter((member) => wanted.includes(member.segment)).map((member) => member.memberId);
    }
    const created = await api.request<SegmentBody>('POST', '/api/segments', {
      body: { name: 'Best customers', definition: { type: 'rfm', segments: wanted } },
    });
    expect(created.status).toBe(201);
    const before = await expected(start);
    expect(before.length).toBeGreaterThan(0);
    expect(await membersOf(api, created.body.id)).toEqual(before.sort());

    // A month on, Cai buys three times: the next midnight's scoring moves everyone.
    clock.set(start + 30 * day);
    await api.sendAndProcess([1, 2, 3].map((index) => order('cai', `o-c${index}`, start + 30 * day, 900)));
    const midnight = Date.parse('2026-04-01T00:00:00+08:00');
    clock.set(midnight);
    await runtime.ticker.runOnce();
    const after = await expected(midnight);
    expect(after).not.toEqual(before);
    expect(await membersOf(api, created.body.id)).toEqual(after.sort());
    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);
  });

  it("previews RFM segments as the day's RFM analysis scores them, with no RFM segment saved", async () => {
    const { clock, api } = await setUp();
    const wanted = ['Champions', 'Loyal Customers', 'Potential Loyalist', 'New Customers'];
    const today = async () => {
      // The day in Shanghai (UTC+8), the workspace's time zone.
      const date = new Date(clock.now() + 8 * 3_600_000).toISOString().slice(0, 10);
      const scored = await api.request<{ members: Array<{ memberId: string; segment: string }> }>(
        'POST',
        '/api/analytics/rfm',
        { body: { asOf: date } },
      );
      return scored.body.members.filter((member) => wanted.includes(member.segment)).map((member) => member.memberId);
    };
    const rfm = { type: 'rfm', segments: wanted };
    const expected = (await today()).sort();
    expect(expected.length).toBeGreaterThan(0);
    const first = await preview(api, rfm);
    expect(first).toEqual({ count: expected.length, sample: expected });
    // Combined with other conditions, and after a day of new orders, still the day's analysis.
    clock.set(clock.now() + 30 * day);
    await api.sendAndProcess([1, 2, 3].map((index) => order('cai', `o-c${index}`, clock.now(), 900)));
    const later = (await today()).sort();
    expect(later).not.toEqual(expected);
    expect(await preview(api, { type: 'or', conditions: [rfm, { type: 'not', condition: rfm }] })).toMatchObject({
      count: 3,
    });
    expect(await preview(api, { type: 'and', conditions: [rfm] })).toEqual({ count: later.length, sample: later });
  });

  it('matches categories whatever their case and spacing, in events and in definitions', async () => {
    const { api, ids } = await setUp();
    const lines = [
      { product_id: 'p1', category: 'Milk  Powder', price: 30, quantity: 1 },
      { product_id: 'p2', category: 'ｍｉｌｋ powder', price: 20, quantity: 1 },
    ];
    await api.sendAndProcess([
      { ...order('cai', 'o-cat', start - day, 50), properties: { order_id: 'o-cat', total: 50, products: lines } },
    ]);
    const member = await api.get<MemberBody>(`/api/members/${ids.cai}`);
    expect(member.body.features.categories).toEqual({ 'milk powder': { spend: 5_000, orders: 1 } });
    for (const category of ['MILK POWDER', ' milk powder ']) {
      const definition = { type: 'category', category, measure: 'spend', op: 'gte', value: 5_000 };
      expect(await preview(api, definition)).toEqual({ count: 1, sample: [ids.cai] });
    }
  });

  it('keeps value-band tags on the percentile band of a measure, cut again each local midnight', async () => {
    const { clock, api, runtime, ids } = await setUp();
    await api.sendAndProcess([order('cai', 'o-3', start, 500)]);
    const band = async (name: string, fromPercent: number, toPercent: number) => {
      const created = await api.request<{ id: string; kind: string; segmentId: string }>('POST', '/api/tags', {
        body: { family: 'value', name, kind: 'value-band', band: { measure: 'netSpend', fromPercent, toPercent } },
      });
      expect([created.status, created.body.kind]).toEqual([201, 'value-band']);
      return created.body;
    };
    const high = await band('Purchasing power high', 50, 100);
    const low = await band('Purchasing power low', 0, 50);
    const carriers = async (tagId: string) =>
      (await api.get<{ members: Array<{ memberId: string }> }>(`/api/tags/${tagId}/members`)).body.members
        .map((member) => member.memberId)
        .sort();
    // Net spend 100, 300 and 500 yuan: the median, 300, is where high begins.
    expect(await carriers(high.id)).toEqual([ids.ben, ids.cai].sort());
    expect(await carriers(low.id)).toEqual([ids.ana]);
    const segment = await api.get<{ definition: unknown }>(`/api/segments/${high.segmentId}`);
    expect(segment.body.definition).toEqual({
      type: 'and',
      conditions: [{ type: 'feature', name: 'netSpend', op: 'gte', value: 30_000 }],
    });
    const redefined = await api.request<ErrorBody>('PUT', `/api/segments/${high.segmentId}`, {
      body: { definition: recentBuyers },
    });
    expect([redefined.status, redefined.body.issues[0]?.path]).toEqual([409, 'body.definition']);

    await api.sendAndProcess([order('dan', 'o-4', start, 1_000)]);
    const dan = await api.memberIdOf('user_id', 'dan');
    clock.set(Date.parse('2026-03-02T00:00:00+08:00'));
    await runtime.ticker.runOnce();
    // 100, 300, 500, 1,000: the median is now 400.
    expect(await carriers(high.id)).toEqual([ids.cai, dan].sort());
    expect(await carriers(low.id)).toEqual([ids.ana, ids.ben].sort());
    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);
  });
});
