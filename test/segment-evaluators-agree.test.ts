import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentDefinitionSchema, type SegmentDefinition } from '../src/modules/audience/segment-definition.schema.ts';
import { evaluateDefinition } from '../src/modules/audience/segment-evaluation.ts';
import { bucketOf, type MemberFacts } from '../src/modules/audience/segment-facts.ts';
import { countMatchingMembers, selectMatchingMembers, type SqlContext } from '../src/modules/audience/segment-sql.ts';
// The loader under test; once segment-facts.repo.ts lands: '../src/modules/audience/segment-facts.repo.ts'.
import { loadMemberFacts } from '../src/modules/audience/segment-facts.repo.ts';
import { scenarioOf } from './support/segment-arbitraries.ts';
import { populationMatches } from './support/population.ts';
import { seedMembers, seedNeighbour, type MemberSeed } from './support/segment-seeds.ts';
import { useMigratedTestDatabase } from './support/test-database.ts';

/**
 * The SQL compiler, the in-memory evaluator and the whole-population evaluator of the preview
 * index must pick the same members for every definition:
 * random members and definitions (fast-check) on the suite's dialect, and worked examples for the
 * cases most likely to part them (typed values, missing values, sequences, buckets, birthdays).
 */

const day = 86_400_000;
const leafTypes = [
  'trait',
  'feature',
  'feature-date',
  'category',
  'channel',
  'tag',
  'tier',
  'points',
  'identifier',
].concat(['event', 'first-event', 'last-event', 'sequence', 'life-stage', 'birthday', 'random-bucket', 'store']);
const shared = useMigratedTestDatabase('all');

function db() {
  return shared.database;
}

let workspaces = 0;
/** One database serves every run: each run gets a workspace (and member ids) of its own. */
function nextWorkspace(): string {
  workspaces += 1;
  return `ws${workspaces}`;
}

function named(workspaceId: string, seeds: readonly MemberSeed[]): MemberSeed[] {
  return seeds.map((seed, index) => {
    const id = `${workspaceId}:${seed.id || `m${index}`}`;
    return { ...seed, id, identifiers: seed.identifiers?.map(({ type }) => ({ type, value: `${type}:${id}` })) };
  });
}

function describeFacts(facts: MemberFacts | undefined): string {
  return JSON.stringify(facts, (_key, value: unknown) => (value instanceof Set ? [...value] : value));
}

/** Why the two evaluators part on this definition, with the members they part on; undefined when they agree. */
async function disagreement(
  definition: SegmentDefinition,
  context: SqlContext,
  memberIds: readonly string[],
  facts: Map<string, MemberFacts>,
  options: { count: boolean },
): Promise<{ matched: string[]; problem?: string }> {
  const rows = await selectMatchingMembers(db().db, definition, context).execute();
  const bySql = new Set(rows.map((row) => row.member_id));
  const inMemory = memberIds.filter((id) => {
    const memberFacts = facts.get(id);
    return memberFacts !== undefined && evaluateDefinition(definition, memberFacts, context);
  });
  const onlySql = [...bySql].filter((id) => !inMemory.includes(id));
  const onlyMemory = inMemory.filter((id) => !bySql.has(id));
  const byPopulation = new Set(populationMatches(definition, facts, context));
  const populationParts = [...inMemory.filter((id) => !byPopulation.has(id)), ...byPopulation].filter(
    (id) => !(byPopulation.has(id) && inMemory.includes(id)),
  );
  const counted = options.count ? await countMatchingMembers(db().db, definition, context) : bySql.size;
  const sqlAgrees = onlySql.length === 0 && onlyMemory.length === 0 && counted === bySql.size;
  if (sqlAgrees && rows.length === bySql.size && populationParts.length === 0) {
    return { matched: inMemory };
  }
  const problem = [
    `SQL and evaluator disagree (${context.dialect}, now ${new Date(context.now).toISOString()}, ${context.timeZone})`,
    `definition: ${JSON.stringify(definition)}`,
    `only SQL matched: ${JSON.stringify(onlySql)}`,
    `only the evaluator matched: ${JSON.stringify(onlyMemory)}`,
    `the population evaluator parts from the evaluator on: ${JSON.stringify(populationParts)}`,
    `SQL rows ${rows.length}, distinct ${bySql.size}, counted ${counted}`,
    ...[...onlySql, ...onlyMemory, ...populationParts].map((id) => `facts of ${id}: ${describeFacts(facts.get(id))}`),
  ].join('\n');
  return { matched: inMemory, problem };
}

describe('segment SQL, the in-memory evaluator and the population evaluator', () => {
  // More runs for a deeper search: SEGMENT_PROPERTY_RUNS=3000 npx vitest run test/segment-evaluators-agree.test.ts
  const runs = Number(process.env.SEGMENT_PROPERTY_RUNS ?? 250);
  // The timeout only stops a hung run, it measures nothing: 250 runs passed within 60 s on earlier
  // days, then took 56 s alone and over 60 s in the suite on 2026-12-04, the machine 3–5× slower.
  it('agree on random members and definitions', { timeout: Math.max(300_000, runs * 1_200) }, async () => {
    const outcomes = { none: 0, some: 0, all: 0 };
    const splitTypes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(scenarioOf({ members: 30, definitions: 30 }), async (scenario) => {
        const workspaceId = nextWorkspace();
        // The first member is always merged away: it must never match, whatever it holds.
        const members = named(workspaceId, scenario.members).map((member, index) =>
          index === 0 ? { ...member, merged: true } : member,
        );
        const ids = members.map((member) => member.id);
        await seedMembers(db().db, workspaceId, members);
        await seedNeighbour(db().db, `${workspaceId}-neighbour`, ids);
        const facts = await loadMemberFacts(db().db, workspaceId, ids);
        const context: SqlContext = {
          workspaceId,
          now: scenario.now,
          timeZone: scenario.timeZone,
          dialect: db().dialect,
        };
        for (const [index, definition] of scenario.definitions.entries()) {
          segmentDefinitionSchema.parse(definition);
          // Counting runs the same condition: a few per run show it counts what it selects.
          const count = index < 3;
          const { matched, problem } = await disagreement(definition, context, ids, facts, { count });
          if (problem) throw new Error(problem);
          if (matched.length === 0) outcomes.none += 1;
          else if (matched.length === facts.size) outcomes.all += 1;
          else {
            outcomes.some += 1;
            splitTypes.add(definition.type);
          }
        }
      }),
      { numRuns: runs },
    );
    // Agreement on nothing proves little: definitions of every kind must have split the members.
    const total = outcomes.none + outcomes.some + outcomes.all;
    expect(outcomes.some / total, JSON.stringify(outcomes)).toBeGreaterThan(0.3);
    const unsplit = [...leafTypes, 'and', 'or', 'not'].filter((type) => !splitTypes.has(type));
    expect(unsplit, 'condition types that never split the members').toEqual([]);
  });
});

const now = Date.parse('2026-03-15T10:00:00.000Z');

/** Seeds the members in a fresh workspace; checks each definition on both evaluators; returns the matched names. */
async function matching(
  seeds: MemberSeed[],
  definitions: SegmentDefinition[],
  when: { now: number; timeZone: string } = { now, timeZone: 'UTC' },
): Promise<string[][]> {
  const workspaceId = nextWorkspace();
  const members = named(workspaceId, seeds);
  const ids = members.map((member) => member.id);
  await seedMembers(db().db, workspaceId, members);
  const facts = await loadMemberFacts(db().db, workspaceId, ids);
  const context: SqlContext = { workspaceId, ...when, dialect: db().dialect };
  const results: string[][] = [];
  for (const definition of definitions) {
    const parsed = segmentDefinitionSchema.parse(definition);
    const { matched, problem } = await disagreement(parsed, context, ids, facts, { count: true });
    if (problem) throw new Error(problem);
    results.push(matched.map((id) => id.slice(workspaceId.length + 1)).sort());
  }
  return results;
}

describe('segment SQL on the cases most likely to part it from the evaluator', () => {
  it('takes a missing, null or differently typed value as failing a test and passing its negation', async () => {
    const members: MemberSeed[] = [
      { id: 'gold', traits: { plan: 'gold' } },
      { id: 'none', traits: {} },
      { id: 'null', traits: { plan: null } },
      { id: 'silver', traits: { plan: 'silver' } },
      { id: 'number', traits: { plan: 42 } },
      { id: 'object', traits: { plan: { name: 'gold' } } },
      { id: 'merged', merged: true, traits: { plan: 'silver' } },
      { id: 'array', traits: { plan: ['gold'] } },
      { id: 'json-text', traits: { plan: '["gold"]' } },
    ];
    const results = await matching(members, [
      { type: 'trait', path: 'plan', op: 'ne', value: 'gold' },
      { type: 'trait', path: 'plan', op: 'missing' },
      { type: 'trait', path: 'plan', op: 'exists' },
      { type: 'trait', path: 'plan', op: 'notIn', value: ['gold', 'silver'] },
      { type: 'not', condition: { type: 'trait', path: 'plan', op: 'eq', value: 'gold' } },
      { type: 'trait', path: 'plan.name', op: 'eq', value: 'gold' },
      { type: 'trait', path: 'plan', op: 'eq', value: 'Gold' },
      { type: 'trait', path: 'constructor', op: 'exists' },
      { type: 'trait', path: 'plan', op: 'eq', value: '["gold"]' },
      { type: 'trait', path: 'plan', op: 'in', value: ['["gold"]', '{"name":"gold"}'] },
    ]);
    const others = ['array', 'json-text', 'none', 'null', 'number', 'object'];
    expect(results).toEqual([
      [...others, 'silver'],
      ['none', 'null'],
      ['array', 'gold', 'json-text', 'number', 'object', 'silver'],
      others,
      [...others, 'silver'],
      ['object'],
      [],
      [],
      ['json-text'],
      ['json-text'],
    ]);
  });

  it('compares numbers with numbers only, never with numeric strings or flags', async () => {
    const members: MemberSeed[] = [
      { id: 'number', traits: { score: 42 } },
      { id: 'text', traits: { score: '42' } },
      { id: 'flag', traits: { score: true } },
      { id: 'one', traits: { score: 1 } },
      { id: 'fraction', traits: { score: 41.5 } },
      { id: 'none', traits: {} },
    ];
    const results = await matching(members, [
      { type: 'trait', path: 'score', op: 'eq', value: 42 },
      { type: 'trait', path: 'score', op: 'eq', value: '42' },
      { type: 'trait', path: 'score', op: 'gt', value: 10 },
      { type: 'trait', path: 'score', op: 'in', value: [42, '42'] },
      { type: 'trait', path: 'score', op: 'eq', value: true },
      { type: 'trait', path: 'score', op: 'lte', value: 41.5 },
      { type: 'trait', path: 'score', op: 'ne', value: 42 },
    ]);
    expect(results).toEqual([
      ['number'],
      ['text'],
      ['fraction', 'number'],
      ['number', 'text'],
      ['flag'],
      ['fraction', 'one'],
      ['flag', 'fraction', 'none', 'one', 'text'],
    ]);
  });

  it('finds `contains` in an array (typed, top level only) or in a string', async () => {
    const members: MemberSeed[] = [
      { id: 'array', traits: { tags: ['vip', 'new'] } },
      { id: 'string', traits: { tags: 'very vip' } },
      { id: 'upper', traits: { tags: ['VIP'] } },
      { id: 'nested', traits: { tags: [['vip']] } },
      { id: 'object', traits: { tags: { vip: true } } },
      { id: 'mixed', traits: { tags: [1, '1'] } },
      { id: 'text-one', traits: { tags: ['1'] } },
    ];
    const results = await matching(members, [
      { type: 'trait', path: 'tags', op: 'contains', value: 'vip' },
      { type: 'trait', path: 'tags', op: 'contains', value: 1 },
      { type: 'trait', path: 'tags', op: 'contains', value: '1' },
      { type: 'trait', path: 'tags', op: 'contains', value: '' },
      { type: 'trait', path: 'tags.0', op: 'exists' },
    ]);
    expect(results).toEqual([['array', 'string'], ['mixed'], ['mixed', 'text-one'], ['string'], []]);
  });

  it('matches a sequence only where no then-event follows within the span, and only once the span has passed', async () => {
    const event = (name: string, daysAgo: number, type = 'track') => ({ name, type, time: now - daysAgo * day });
    const members: MemberSeed[] = [
      { id: 'bought', events: [event('Cart Abandoned', 10), event('Order Completed', 9)] },
      { id: 'late', events: [event('Cart Abandoned', 10), event('Order Completed', 5)] },
      { id: 'recent', events: [event('Cart Abandoned', 1)] },
      { id: 'edge', events: [event('Cart Abandoned', 10), event('Order Completed', 8)] },
      { id: 'just', events: [event('Cart Abandoned', 2)] },
      { id: 'same-time', events: [event('Cart Abandoned', 10), event('Order Completed', 10)] },
      { id: 'page', events: [event('Cart Abandoned', 10, 'page')] },
      { id: 'twice', events: [event('Cart Abandoned', 20), event('Cart Abandoned', 5), event('Order Completed', 19)] },
    ];
    const results = await matching(members, [
      { type: 'sequence', first: { name: 'Cart Abandoned' }, then: { name: 'Order Completed' }, withinDays: 2 },
      {
        type: 'sequence',
        first: { name: 'Cart Abandoned' },
        then: { name: 'Order Completed' },
        withinDays: 2,
        olderThanDays: 9,
      },
    ]);
    expect(results).toEqual([
      ['just', 'late', 'same-time', 'twice'],
      ['late', 'same-time'],
    ]);
  });

  it('puts each of 1,000 members in the bucket bucketOf names', async () => {
    const members = Array.from({ length: 1000 }, (_, index): MemberSeed => ({ id: `member-${index}` }));
    for (const salt of ['exp-1', 'sél']) {
      const definitions = Array.from({ length: 7 }, (_, bucket): SegmentDefinition => {
        return { type: 'random-bucket', salt, buckets: 7, from: bucket, to: bucket + 1 };
      });
      const results = await matching(members, definitions);
      const expected = definitions.map((_, bucket) =>
        members.filter((member) => bucketOf(salt, `ws${workspaces}:${member.id}`, 7) === bucket).map((m) => m.id),
      );
      expect(results).toEqual(expected.map((ids) => ids.sort()));
      expect(results.flat()).toHaveLength(1000);
    }
  });

  it('finds birthdays across the year end in the workspace time zone', async () => {
    const born = (id: string, birthday: unknown): MemberSeed => ({ id, traits: { birthday } });
    const members = [
      born('dec-30', '1990-12-30'),
      born('dec-31', '1985-12-31'),
      born('jan-02', '2000-01-02'),
      born('jan-03', '2000-01-03'),
      born('instant', '1990-01-01T00:00:00Z'),
      born('short', '1990-1-1'),
      born('number', 19900101),
      { id: 'none', traits: {} },
    ];
    // 20:00 UTC on Dec 30 is already 04:00 on Dec 31 in Shanghai.
    const evening = Date.parse('2025-12-30T20:00:00.000Z');
    const birthday: SegmentDefinition = { type: 'birthday', path: 'birthday', withinDays: 2 };
    const shanghai = await matching(members, [birthday], { now: evening, timeZone: 'Asia/Shanghai' });
    const utc = await matching(members, [birthday], { now: evening, timeZone: 'UTC' });
    expect(shanghai).toEqual([['dec-31', 'instant', 'jan-02']]);
    expect(utc).toEqual([['dec-30', 'dec-31', 'instant']]);
  });
});
