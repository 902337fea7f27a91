import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { silentLogger } from '../src/platform/log.ts';
import type { SegmentDefinition } from '../src/modules/audience/segment-definition.schema.ts';
import { countMatchingMembers } from '../src/modules/audience/segment-sql.ts';
import { openRuntime } from '../src/runtime.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const start = Date.parse('2026-05-10T10:00:00Z');

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface PreviewBody {
  count: number;
  sample: Array<{ memberId: string }>;
  countedBy: 'index' | 'database';
}

const inShanghai: SegmentDefinition = { type: 'trait', path: 'city', op: 'eq', value: 'Shanghai' };
const bigRecentBuyers: SegmentDefinition = {
  type: 'and',
  conditions: [
    {
      type: 'event',
      name: 'Order Completed',
      where: [{ property: 'total', op: 'gte', value: 200 }],
      lastDays: 30,
      count: { op: 'atLeast', value: 1 },
    },
    { type: 'not', condition: { type: 'trait', path: 'gender', op: 'eq', value: 'male' } },
  ],
};

function identify(userId: string, traits: Record<string, unknown>) {
  return { type: 'identify', userId, traits, timestamp: new Date(start - 40 * day).toISOString() };
}

function order(userId: string, orderId: string, total: number, daysAgo: number) {
  const timestamp = new Date(start - daysAgo * day).toISOString();
  return { type: 'track', userId, event: 'Order Completed', properties: { order_id: orderId, total }, timestamp };
}

async function preview(api: MemberApi, definition: SegmentDefinition): Promise<PreviewBody> {
  const response = await api.request<PreviewBody>('POST', '/api/segments/preview', {
    body: { definition, sample: 100 },
  });
  expect(response.status).toBe(200);
  return response.body;
}

/** Asks until the index answers (it builds, or loads an event, in the background after a first ask). */
async function previewByIndex(api: MemberApi, definition: SegmentDefinition): Promise<PreviewBody> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const answer = await preview(api, definition);
    if (answer.countedBy === 'index') return answer;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the preview index never answered');
}

async function setUp() {
  const clock = createManualClock(start);
  server = await startTestServer({ clock, previewIndexMinimumMembers: 0 });
  const api = createMemberApi(server);
  await api.sendAndProcess([
    identify('ana', { city: 'Shanghai', gender: 'female' }),
    identify('ben', { city: 'Beijing', gender: 'male' }),
    identify('cai', { city: 'Shanghai', gender: 'male' }),
    identify('dan', { city: 'Shenzhen' }),
    order('ana', 'o-1', 250, 5),
    order('ben', 'o-2', 300, 5),
    order('dan', 'o-3', 150, 5),
    order('dan', 'o-4', 400, 45),
  ]);
  const ids = Object.fromEntries(
    await Promise.all(['ana', 'ben', 'cai', 'dan'].map(async (id) => [id, await api.memberIdOf('user_id', id)])),
  ) as Record<string, string>;
  const { runtime, workspaceId } = server;
  const sqlCount = (definition: SegmentDefinition) =>
    countMatchingMembers(runtime.database.db, definition, {
      workspaceId,
      now: clock.now(),
      timeZone: 'UTC',
      dialect: runtime.database.dialect,
    });
  return { api, clock, ids, sqlCount, runtime };
}

const sampleOf = (answer: PreviewBody) => answer.sample.map((member) => member.memberId).sort();

describe('segment preview index', () => {
  it('answers from memory once built, with the counts SQL gives, and stays current as events are processed', async () => {
    const { api, ids, sqlCount } = await setUp();
    expect((await preview(api, inShanghai)).countedBy).toBe('database');
    const built = await previewByIndex(api, inShanghai);
    expect([built.count, sampleOf(built)]).toEqual([2, [ids.ana, ids.cai].sort()]);

    // The first definition naming an event loads its rows, and is answered from them.
    const buyers = await preview(api, bigRecentBuyers);
    expect([buyers.countedBy, buyers.count, sampleOf(buyers)]).toEqual(['index', 1, [ids.ana]]);

    // Changes are in the very next answer: a new member, a member who moved, a new big order.
    await api.sendAndProcess([
      identify('eve', { city: 'Shanghai', gender: 'female' }),
      order('eve', 'o-5', 220, 1),
      identify('ana', { city: 'Hangzhou' }),
      order('dan', 'o-6', 500, 1),
    ]);
    const eve = await api.memberIdOf('user_id', 'eve');
    const shanghai = await preview(api, inShanghai);
    expect([shanghai.countedBy, shanghai.count, sampleOf(shanghai)]).toEqual(['index', 2, [ids.cai, eve].sort()]);
    const recent = await preview(api, bigRecentBuyers);
    expect([recent.countedBy, recent.count]).toEqual(['index', 3]);
    expect(sampleOf(recent)).toEqual([ids.ana, ids.dan, eve].sort());
    expect([await sqlCount(inShanghai), await sqlCount(bigRecentBuyers)]).toEqual([2, 3]);
  });

  it('follows merges and tags', async () => {
    const { api, ids } = await setUp();
    await previewByIndex(api, inShanghai);
    // cai's anonymous browsing, then cai's login on it: one member, still counted once.
    await api.sendAndProcess([{ type: 'identify', anonymousId: 'anon-9', traits: { city: 'Shanghai' } }]);
    const anonymous = await api.memberIdOf('anonymous_id', 'anon-9');
    const before = await preview(api, inShanghai);
    expect([before.countedBy, sampleOf(before)]).toEqual(['index', [ids.ana, ids.cai, anonymous].sort()]);
    await api.sendAndProcess([{ type: 'identify', anonymousId: 'anon-9', userId: 'cai' }]);
    const merged = await preview(api, inShanghai);
    expect([merged.countedBy, merged.count, sampleOf(merged)]).toEqual(['index', 2, [ids.ana, ids.cai].sort()]);

    const tag = await api.request<{ id: string }>('POST', '/api/tags', {
      body: { family: 'preference', name: 'Organic buyer', kind: 'manual' },
    });
    expect(tag.status).toBe(201);
    const added = await api.request('POST', `/api/tags/${tag.body.id}/members`, { body: { add: [ids.ben, ids.dan] } });
    expect(added.status).toBe(200);
    const tagged = await preview(api, {
      type: 'and',
      conditions: [
        { type: 'tag', tag: tag.body.id },
        { type: 'not', condition: inShanghai },
      ],
    });
    expect([tagged.countedBy, tagged.count, sampleOf(tagged)]).toEqual(['index', 2, [ids.ben, ids.dan].sort()]);
  });

  it('builds itself again when another process processed part of the log', async () => {
    const { api, ids, runtime } = await setUp();
    await previewByIndex(api, inShanghai);
    await runtime.processor.stop();
    await api.send([identify('ben', { city: 'Shanghai' }), identify('fay', { city: 'Shanghai' })]);
    const other = await openRuntime({ database: server?.database.location ?? '', logger: silentLogger });
    try {
      await other.processor.runUntilIdle();
    } finally {
      await other.close();
    }
    // This process's journal has no word of those batches: SQL answers, right, while the index is rebuilt.
    const answer = await preview(api, inShanghai);
    expect([answer.countedBy, answer.count]).toEqual(['database', 4]);
    const rebuilt = await previewByIndex(api, inShanghai);
    const fay = await api.memberIdOf('user_id', 'fay');
    expect([rebuilt.count, sampleOf(rebuilt)]).toEqual([4, [ids.ana, ids.ben, ids.cai, fay].sort()]);
  });

  it('lets an index go after 15 idle minutes, and builds it again when asked', async () => {
    const { api, clock } = await setUp();
    await previewByIndex(api, inShanghai);
    clock.set(start + 16 * 60_000);
    // The next processed batch finds it idle and drops it.
    await api.sendAndProcess([identify('gus', { city: 'Shanghai' })]);
    expect(await preview(api, inShanghai)).toMatchObject({ countedBy: 'database', count: 3 });
    expect(await previewByIndex(api, inShanghai)).toMatchObject({ count: 3 });
  });

  it('is not used for a workspace below its size', async () => {
    server = await startTestServer({ previewIndexMinimumMembers: 5 });
    const api = createMemberApi(server);
    await api.sendAndProcess([identify('ana', { city: 'Shanghai' })]);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect(await preview(api, inShanghai)).toMatchObject({ countedBy: 'database', count: 1 });
    }
  });
});
