import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { createProcessor } from '../src/platform/processor/processor.ts';
import type { DerivedEvent } from '../src/platform/processor/stage.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createSqliteLogReader } from '../src/modules/ingest/sqlite-log-reader.ts';
import { readEventsAfter } from '../src/modules/ingest/event-log.repo.ts';
import { replayInPlace } from './support/derived-state.ts';
import { orderCompleted } from './support/orders.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
// 10:00 on 1 May 2026 in Shanghai.
const start = Date.UTC(2026, 4, 1, 2, 0, 0);

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pointsProgram = {
  earning: [
    {
      id: 'orders',
      name: '1 point per CNY',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1, per: 100 },
    },
  ],
  pendingDays: 15,
  expiry: { kind: 'rolling', months: 1 },
};

const tierProgram = {
  earning: pointsProgram.earning,
  tiers: {
    basis: 'spend',
    window: { kind: 'rolling', months: 1 },
    graceDays: 0,
    levels: [
      { id: 'silver', name: 'Silver', threshold: 1 },
      { id: 'gold', name: 'Gold', threshold: 10_000 },
    ],
  },
};

interface Entry {
  kind: string;
  available: number;
  pending: number;
  at: string;
}

async function entriesOf(api: MemberApi, memberId: string): Promise<Array<[string, number, number, string]>> {
  const history = await api.get<{ entries: Entry[] }>(`/api/members/${memberId}/points/history`);
  return history.body.entries.map((entry) => [entry.kind, entry.available, entry.pending, entry.at]);
}

async function tierIdOf(api: MemberApi, memberId: string): Promise<string | null> {
  const response = await api.get<{ tier: { id: string } | null }>(`/api/members/${memberId}/tier`);
  return response.body.tier?.id ?? null;
}

async function setUp(program: unknown, options: { subjectsPerTick?: number; backgroundTicks?: boolean } = {}) {
  const clock = createManualClock(start);
  server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' }, ...options });
  const api = createMemberApi(server);
  expect((await api.request('PUT', '/api/loyalty/program', { body: program })).status).toBe(200);
  return { clock, api, runtime: server.runtime };
}

describe('clock ticks: what time alone changes is written when it falls due', () => {
  it('activates pending points and expires them without any event of the member, at the due instants', async () => {
    const { clock, api, runtime } = await setUp(pointsProgram);
    await api.sendAndProcess([orderCompleted('ana', 'o-1', 120, start)]);
    const ana = await api.memberIdOf('user_id', 'ana');
    const activation = start + 15 * day;
    // Rolling expiry of one month after earning, at the end of that day in Shanghai.
    expect(await runtime.ticker.runOnce()).toBe(0);

    clock.set(activation - 1);
    expect(await runtime.ticker.runOnce()).toBe(0);
    clock.set(activation + 5_000);
    expect(await runtime.ticker.runOnce()).toBe(1);
    expect((await entriesOf(api, ana))[0]).toEqual(['activate', 120, -120, new Date(activation).toISOString()]);

    clock.set(start + 90 * day);
    expect(await runtime.ticker.runOnce()).toBe(1);
    const [expired] = await entriesOf(api, ana);
    expect([expired?.[0], expired?.[1]]).toEqual(['expire', -120]);
    expect(Date.parse(expired?.[3] ?? '')).toBeLessThan(start + 40 * day);
    const balance = await api.get<{ available: number; lifetimeExpired: number }>(`/api/members/${ana}/points`);
    expect([balance.body.available, balance.body.lifetimeExpired]).toEqual([0, 120]);
    // Nothing waits on time any more: no timer, no further tick.
    expect(await runtime.database.db.selectFrom('timers').selectAll().execute()).toEqual([]);
    expect(await runtime.ticker.runOnce()).toBe(0);

    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);
  });

  it('spreads a month-end evaluation of many members over bounded ticks, each downgrade at the evaluation date', async () => {
    const { clock, api, runtime } = await setUp(tierProgram, { subjectsPerTick: 2 });
    const users = ['ana', 'ben', 'cai', 'dan', 'eve'];
    await api.sendAndProcess(users.map((user, index) => orderCompleted(user, `o-${user}`, 150, start + index * 1000)));
    const ids = await Promise.all(users.map((user) => api.memberIdOf('user_id', user)));
    expect(await Promise.all(ids.map((id) => tierIdOf(api, id)))).toEqual(users.map(() => 'gold'));

    // 1 July: the one-month window (June) holds no spend, so every member falls to no tier.
    const july = Date.UTC(2026, 5, 30, 16, 0, 0);
    clock.set(july + 1_000);
    // The 1 June evaluation still sees May's spend; the 1 July one drops everyone.
    expect(await runtime.ticker.runOnce()).toBe(3);
    const feed = await api.get<{ changes: Array<{ memberId: string; from: string; to: string | null; at: string }> }>(
      '/api/loyalty/tier-changes?limit=50',
    );
    const downgrades = feed.body.changes.filter((change) => change.from === 'gold');
    expect(downgrades.map((change) => [change.to, change.at]).sort()).toEqual(
      users.map(() => [null, new Date(july).toISOString()]),
    );
    expect(new Set(downgrades.map((change) => change.memberId))).toEqual(new Set(ids));

    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);
  });

  it('hands Tier Changed to the stages after loyalty in the same batch', async () => {
    const { clock, api, runtime } = await setUp(tierProgram);
    await runtime.processor.stop();
    const seen: DerivedEvent[] = [];
    const recorder = {
      name: 'recorder',
      apply: async (batch: { derivedEvents: DerivedEvent[] }) => void seen.push(...batch.derivedEvents),
      reset: async () => undefined,
    };
    const database = runtime.database;
    const processor = createProcessor({
      database,
      clock,
      logger: silentLogger,
      stages: [...runtime.stages, recorder],
      readEventsAfter: database.sqlite ? createSqliteLogReader(database.sqlite) : readEventsAfter,
    });
    await api.send([orderCompleted('ana', 'o-1', 150, start)]);
    await processor.runUntilIdle();
    const ana = await api.memberIdOf('user_id', 'ana');
    expect(seen).toEqual([
      {
        workspaceId: server?.workspaceId,
        memberId: ana,
        name: 'Tier Changed',
        at: start,
        properties: { from: null, to: 'gold', reason: 'spend 15000 reached Gold (10000)' },
        causeEventId: expect.stringMatching(/^evt_/),
      },
    ]);
  });

  it('ticks in the background once the clock passes a due timer', async () => {
    const { clock, api } = await setUp(pointsProgram, { backgroundTicks: true });
    await api.sendAndProcess([orderCompleted('ana', 'o-1', 120, start)]);
    const ana = await api.memberIdOf('user_id', 'ana');
    clock.set(start + 16 * day);
    const deadline = Date.now() + 5_000;
    let balance = { available: 0, pending: 120 };
    // The balance view is computed at "now" either way; the ledger entry shows the tick ran.
    while (Date.now() < deadline && (await entriesOf(api, ana))[0]?.[0] !== 'activate') {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await entriesOf(api, ana))[0]?.[0]).toBe('activate');
    balance = (await api.get<typeof balance>(`/api/members/${ana}/points`)).body;
    expect([balance.available, balance.pending]).toEqual([120, 0]);
  });
});
