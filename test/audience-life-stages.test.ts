import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { createProcessor } from '../src/platform/processor/processor.ts';
import type { DerivedEvent } from '../src/platform/processor/stage.ts';
import { silentLogger } from '../src/platform/log.ts';
import { readEventsAfter } from '../src/modules/ingest/event-log.repo.ts';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/** Local midnight in Shanghai (UTC+8) of a day, as the API writes it. */
function shanghaiDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00+08:00`)).toISOString();
}

// 10:00 on 1 May 2026 in Shanghai.
const start = Date.parse('2026-05-01T10:00:00+08:00');

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface MemberStages {
  children: Array<{ child: string; stage: { id: string; name: string } | null; since: string | null }>;
}

interface Distribution {
  stages: Array<{ id: string; members: number }>;
  withoutStage: number;
}

function identifyWithChildren(userId: string, children: unknown[], at: number) {
  return { type: 'identify', userId, traits: { children }, timestamp: new Date(at).toISOString() };
}

async function stagesOf(api: MemberApi, memberId: string) {
  const response = await api.get<MemberStages>(`/api/members/${memberId}/life-stages`);
  expect(response.status).toBe(200);
  return response.body.children.map((child) => [child.child, child.stage?.id ?? null, child.since]);
}

async function populated(api: MemberApi): Promise<Array<[string, number]>> {
  const response = await api.get<Distribution>('/api/audience/life-stages');
  return response.body.stages.filter((stage) => stage.members > 0).map((stage) => [stage.id, stage.members]);
}

async function setUp() {
  const clock = createManualClock(start);
  server = await startTestServer({ clock, workspace: { timezone: 'Asia/Shanghai' } });
  return { clock, api: createMemberApi(server), runtime: server.runtime };
}

describe('life stages', () => {
  it('places each child by birth or due date and moves them on by themselves as they age', async () => {
    const { clock, api, runtime } = await setUp();
    await api.sendAndProcess([
      identifyWithChildren('ana', [{ birthDate: '2026-02-10', name: 'Mia' }, { dueDate: '2026-09-01' }], start),
      identifyWithChildren('ben', [{ birthDate: '2015-01-01' }], start),
      {
        type: 'identify',
        userId: 'cai',
        traits: { email: 'cai@example.com' },
        timestamp: new Date(start).toISOString(),
      },
    ]);
    const ana = await api.memberIdOf('user_id', 'ana');
    expect(await stagesOf(api, ana)).toEqual([
      ['child-1', 'months-0-3', shanghaiDay('2026-02-10')],
      ['child-2', 'pregnancy-2', shanghaiDay('2026-03-03')],
    ]);
    expect(await populated(api)).toEqual([
      ['pregnancy-2', 1],
      ['months-0-3', 1],
      ['years-10-12', 1],
    ]);

    // Mia turns three months old on 10 May: the tick at that local midnight moves her on.
    clock.set(Date.parse('2026-05-10T00:00:00+08:00') - 1);
    expect(await runtime.ticker.runOnce()).toBe(0);
    clock.set(Date.parse('2026-05-10T00:00:00+08:00'));
    expect(await runtime.ticker.runOnce()).toBe(1);
    expect(await stagesOf(api, ana)).toEqual([
      ['child-1', 'months-4-6', shanghaiDay('2026-05-10')],
      ['child-2', 'pregnancy-2', shanghaiDay('2026-03-03')],
    ]);

    // The member tells us the baby came early.
    await api.sendAndProcess([
      identifyWithChildren(
        'ana',
        [{ birthDate: '2026-02-10' }, { birthDate: '2026-05-20' }],
        Date.parse('2026-05-21T09:00:00+08:00'),
      ),
    ]);
    expect((await stagesOf(api, ana))[1]).toEqual(['child-2', 'months-0-3', shanghaiDay('2026-05-20')]);

    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);
  });

  it("gives a merged-away visitor's children to the member they turn out to be", async () => {
    const { api, runtime } = await setUp();
    await api.sendAndProcess([
      {
        type: 'identify',
        userId: 'dan',
        traits: { email: 'dan@example.com' },
        timestamp: new Date(start).toISOString(),
      },
      {
        type: 'identify',
        anonymousId: 'anon-9',
        traits: { children: [{ birthDate: '2026-01-15' }] },
        timestamp: new Date(start).toISOString(),
      },
    ]);
    const visitor = await api.memberIdOf('anonymous_id', 'anon-9');
    expect((await stagesOf(api, visitor)).map(([child, stage]) => [child, stage])).toEqual([['child-1', 'months-4-6']]);
    await api.sendAndProcess([
      { type: 'identify', userId: 'dan', anonymousId: 'anon-9', timestamp: new Date(start + 1000).toISOString() },
    ]);
    const dan = await api.memberIdOf('user_id', 'dan');
    expect(await api.memberIdOf('anonymous_id', 'anon-9')).toBe(dan);
    expect(await stagesOf(api, dan)).toEqual([['child-1', 'months-4-6', shanghaiDay('2026-04-15')]]);
    expect(await populated(api)).toEqual([['months-4-6', 1]]);
    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);
  });

  it('hands Life Stage Changed to later stages, and takes custom levels through the log', async () => {
    const { clock, api, runtime } = await setUp();
    await runtime.processor.stop();
    const seen: DerivedEvent[] = [];
    const processor = createProcessor({
      database: runtime.database,
      clock,
      logger: silentLogger,
      readEventsAfter,
      stages: [
        ...runtime.stages,
        {
          name: 'recorder',
          apply: async (batch) => void seen.push(...batch.derivedEvents),
          reset: async () => undefined,
        },
      ],
    });
    await api.send([identifyWithChildren('ana', [{ dueDate: '2026-09-01' }], start)]);
    await processor.runUntilIdle();
    const ana = await api.memberIdOf('user_id', 'ana');
    expect(seen).toEqual([
      {
        workspaceId: server?.workspaceId,
        memberId: ana,
        name: 'Life Stage Changed',
        at: Date.parse('2026-03-03T00:00:00+08:00'),
        properties: { child: 'child-1', from: null, to: 'pregnancy-2' },
        causeEventId: expect.stringMatching(/^evt_/),
      },
    ]);
    runtime.processor.start();

    const overlapping = await api.request<{ issues: Array<{ path: string; message: string }> }>(
      'PUT',
      '/api/audience/life-stages/levels',
      {
        body: {
          levels: [
            { id: 'expecting', name: 'Expecting', from: { weeks: -40 }, until: { days: 0 } },
            { id: 'baby', name: 'Baby', from: { days: -1 }, until: { years: 1 } },
          ],
        },
      },
    );
    expect([overlapping.status, overlapping.body.issues]).toEqual([
      400,
      [{ path: 'body.levels.1.from', message: 'overlaps expecting: levels must be in order and not overlap' }],
    ]);
    const saved = await api.request<{ custom: boolean; levels: unknown[] }>('PUT', '/api/audience/life-stages/levels', {
      body: {
        levels: [
          { id: 'expecting', name: 'Expecting', from: { weeks: -40 }, until: { days: 0 } },
          { id: 'baby', name: 'Baby', from: { days: 0 }, until: { years: 1 } },
        ],
      },
    });
    expect([saved.status, saved.body.custom, saved.body.levels.length]).toEqual([200, true, 2]);
    // Every member with children is due for re-evaluation under the new levels.
    expect(await runtime.ticker.runOnce()).toBe(1);
    expect(await stagesOf(api, ana)).toEqual([['child-1', 'expecting', shanghaiDay('2025-11-25')]]);
    expect(await populated(api)).toEqual([['expecting', 1]]);

    const { live, replayed } = await replayInPlace(runtime);
    expect(replayed).toEqual(live);
  });
});
