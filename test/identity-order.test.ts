import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.ts';

/**
 * Property: without limit conflicts, the grouping of identifiers into members that the real
 * processor reaches does not depend on the order events arrive in, nor on how the log is cut into
 * processing batches, and equals the connected components of what the events carried together.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ manualProcessing: true });
});

afterAll(async () => {
  await server?.close();
});

interface Sighting {
  person: number;
  /** Index into the person's anonymous ids, or -1 for their user id (persons 0 and 1 have one). */
  primary: number;
  email: number | null;
  phone: boolean;
  tmall: boolean;
}

const persons = 4;

function identifiersOf(sighting: Sighting): Array<[string, string]> {
  const p = sighting.person;
  const primary: [string, string] =
    sighting.primary === -1 && p < 2
      ? ['user_id', `u-${p}`]
      : ['anonymous_id', `a-${p}-${Math.max(0, sighting.primary)}`];
  return [
    primary,
    ...(sighting.email === null ? [] : [['email', `p${p}.${sighting.email}@x.cn`] as [string, string]]),
    ...(sighting.phone ? [['phone', `+861380013800${p}`] as [string, string]] : []),
    ...(sighting.tmall ? [['tmall_id', `tm-${p}`] as [string, string]] : []),
  ];
}

/** The Segment message for a sighting: identifiers spread over userId, traits and externalIds. */
function messageOf(sighting: Sighting): Record<string, unknown> {
  const p = sighting.person;
  const [type, value] = identifiersOf(sighting)[0] as [string, string];
  const traits = {
    ...(sighting.email === null ? {} : { email: ` P${p}.${sighting.email}@X.cn ` }),
    ...(sighting.phone ? { phone: `138 0013 800${p}` } : {}),
  };
  return {
    type: Object.keys(traits).length > 0 ? 'identify' : 'track',
    event: 'Seen',
    ...(type === 'user_id' ? { userId: value } : { anonymousId: value }),
    traits,
    ...(sighting.tmall ? { context: { externalIds: [{ type: 'tmall_id', id: `tm-${p}`, collection: 'users' }] } } : {}),
  };
}

function expectedGroups(sightings: Sighting[]): string[][] {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    while (parent.get(key) !== key) key = parent.get(key) as string;
    return key;
  };
  for (const sighting of sightings) {
    const keys = identifiersOf(sighting).map(([type, value]) => `${type}:${value}`);
    for (const key of keys) if (!parent.has(key)) parent.set(key, key);
    for (const key of keys.slice(1)) parent.set(find(key), find(keys[0] as string));
  }
  const groups = new Map<string, string[]>();
  for (const key of parent.keys()) groups.set(find(key), [...(groups.get(find(key)) ?? []), key]);
  return normalize([...groups.values()]);
}

function normalize(groups: string[][]): string[][] {
  return groups.map((group) => [...group].sort()).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** Sends the events in the given order, processing after each cut, and reads back the grouping. */
async function groupingAfter(sightings: Sighting[], cuts: number[]) {
  const keys = await server.runtime.workspaces.create({ name: 'Order property' });
  const { workspaceId } = keys;
  const bounds = [...new Set([0, ...cuts.map((cut) => cut % (sightings.length + 1)), sightings.length])].sort(
    (a, b) => a - b,
  );
  for (let index = 1; index < bounds.length; index += 1) {
    const chunk = sightings.slice(bounds[index - 1], bounds[index]).map(messageOf);
    if (chunk.length === 0) continue;
    await server.runtime.ingest.ingest(workspaceId, { batch: chunk }, 'batch');
    await server.runtime.processor.runUntilIdle();
  }
  const db = server.runtime.database.db;
  const rows = await db
    .selectFrom('identifiers')
    .select(['type', 'value', 'member_id'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const byMember = new Map<string, string[]>();
  for (const row of rows)
    byMember.set(row.member_id, [...(byMember.get(row.member_id) ?? []), `${row.type}:${row.value}`]);
  const live = await db
    .selectFrom('members')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is', null)
    .execute();
  const events = await db
    .selectFrom('events')
    .leftJoin('event_members', 'event_members.seq', 'events.seq')
    .select(['event_members.member_id'])
    .where('events.workspace_id', '=', workspaceId)
    .orderBy('events.seq')
    .execute();
  const conflicts = await db
    .selectFrom('identity_log')
    .select('seq')
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'conflict')
    .execute();
  return {
    groups: normalize([...byMember.values()]),
    liveMembers: live.map((row) => row.id).sort(),
    owners: [...byMember.keys()].sort(),
    eventMembers: events.map((row) => row.member_id),
    conflicts: conflicts.length,
  };
}

const sightingArbitrary: fc.Arbitrary<Sighting> = fc.record({
  person: fc.integer({ min: 0, max: persons - 1 }),
  primary: fc.integer({ min: -1, max: 2 }),
  email: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }),
  phone: fc.boolean(),
  tmall: fc.boolean(),
});

describe('identity resolution through the processor', () => {
  it('reaches the same grouping whatever the order of events and batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(sightingArbitrary, { minLength: 15, maxLength: 22 })
          .chain((sightings) =>
            fc.tuple(
              fc.constant(sightings),
              fc.shuffledSubarray(sightings, { minLength: sightings.length }),
              fc.array(fc.nat({ max: 30 }), { maxLength: 3 }),
              fc.array(fc.nat({ max: 30 }), { maxLength: 3 }),
            ),
          ),
        async ([sightings, shuffled, cutsA, cutsB]) => {
          const expected = expectedGroups(sightings);
          for (const [order, cuts] of [
            [sightings, cutsA],
            [shuffled, cutsB],
          ] as const) {
            const result = await groupingAfter([...order], [...cuts]);
            expect(result.conflicts).toBe(0);
            expect(result.groups).toEqual(expected);
            // Every group is one live member, and every event is attributed to a live member.
            expect(result.owners).toEqual(result.liveMembers);
            expect(result.eventMembers).toHaveLength(sightings.length);
            for (const member of result.eventMembers) expect(result.liveMembers).toContain(member);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
