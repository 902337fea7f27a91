import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identifierKey } from './identifiers.ts';
import {
  addToGraph,
  createIdentityGraph,
  knownSoleOwner,
  ownedIdentifiers,
  ownerOf,
  resolveIdentifiers,
  type IdentityGraph,
} from './identity-graph.ts';
import { identitySettingsSchema, type Identifier, type IdentitySettings } from './identity.schema.ts';

const settings: IdentitySettings = identitySettingsSchema.parse({});

const userId = (value: string): Identifier => ({ type: 'user_id', value });
const anon = (value: string): Identifier => ({ type: 'anonymous_id', value });
const email = (value: string): Identifier => ({ type: 'email', value });
const phone = (value: string): Identifier => ({ type: 'phone', value });

function graphOf(members: Record<string, Identifier[]>): IdentityGraph {
  const graph = createIdentityGraph();
  for (const [memberId, identifiers] of Object.entries(members)) {
    for (const identifier of identifiers) addToGraph(graph, memberId, identifier);
  }
  return graph;
}

/** The grouping as sorted lists of identifier keys, independent of member ids. */
function partitionOf(graph: IdentityGraph): string[][] {
  const groups = new Map<string, string[]>();
  for (const { identifier, owner } of ownedIdentifiers(graph)) {
    groups.set(owner, [...(groups.get(owner) ?? []), identifierKey(identifier)]);
  }
  return [...groups.values()].map((group) => group.sort()).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

describe('resolveIdentifiers', () => {
  it('creates a member with the new id when nothing matches', () => {
    const graph = createIdentityGraph();
    const resolution = resolveIdentifiers(graph, [anon('a-1'), email('ana@x.cn')], settings, 'mem_001');
    expect(resolution).toEqual({
      memberId: 'mem_001',
      created: true,
      links: [email('ana@x.cn'), anon('a-1')],
      merges: [],
      conflicts: [],
    });
    expect(graph.identifiersByMember.get('mem_001')).toEqual([email('ana@x.cn'), anon('a-1')]);
  });

  it('attributes nothing when the event carries no identifier', () => {
    const graph = createIdentityGraph();
    expect(resolveIdentifiers(graph, [], settings, 'mem_001')).toEqual({
      memberId: null,
      created: false,
      links: [],
      merges: [],
      conflicts: [],
    });
    expect(ownedIdentifiers(graph)).toEqual([]);
  });

  it('adds new identifiers to the one member that matches', () => {
    const graph = graphOf({ mem_001: [anon('a-1')] });
    const resolution = resolveIdentifiers(graph, [anon('a-1'), userId('u-1'), phone('+8613800138000')], settings, 'x');
    expect(resolution).toEqual({
      memberId: 'mem_001',
      created: false,
      links: [userId('u-1'), phone('+8613800138000')],
      merges: [],
      conflicts: [],
    });
    expect(ownerOf(graph, userId('u-1'))).toBe('mem_001');
  });

  it('merges every matching member into the oldest', () => {
    const graph = graphOf({
      mem_003: [email('ana@x.cn')],
      mem_001: [anon('a-1')],
      mem_002: [phone('+8613800138000'), anon('a-2')],
    });
    const resolution = resolveIdentifiers(
      graph,
      [email('ana@x.cn'), phone('+8613800138000'), anon('a-1'), anon('a-3')],
      settings,
      'mem_009',
    );
    expect(resolution).toEqual({
      memberId: 'mem_001',
      created: false,
      links: [anon('a-3')],
      merges: [
        { survivorId: 'mem_001', mergedId: 'mem_002' },
        { survivorId: 'mem_001', mergedId: 'mem_003' },
      ],
      conflicts: [],
    });
    expect(partitionOf(graph)).toEqual([
      [anon('a-1'), anon('a-2'), anon('a-3'), email('ana@x.cn'), phone('+8613800138000')].map(identifierKey).sort(),
    ]);
    expect([...graph.identifiersByMember.keys()]).toEqual(['mem_001']);
  });

  it('never puts two user ids on one member: the event goes to the higher-priority match', () => {
    const graph = graphOf({ mem_001: [userId('u-1'), email('shared@x.cn')], mem_002: [userId('u-2')] });
    const resolution = resolveIdentifiers(
      graph,
      [userId('u-2'), email('shared@x.cn'), anon('a-new')],
      settings,
      'mem_009',
    );
    expect(resolution).toEqual({
      memberId: 'mem_002',
      created: false,
      links: [],
      merges: [],
      conflicts: [
        {
          identifier: email('shared@x.cn'),
          memberId: 'mem_002',
          otherMemberId: 'mem_001',
          reason: 'linking would give the member more than 1 user_id',
        },
        {
          identifier: anon('a-new'),
          memberId: 'mem_002',
          otherMemberId: null,
          reason: 'linking would give the member more than 1 user_id',
        },
      ],
    });
    expect(graph.identifiersByMember.get('mem_001')).toEqual([userId('u-1'), email('shared@x.cn')]);
    expect(graph.identifiersByMember.get('mem_002')).toEqual([userId('u-2')]);
    expect(ownerOf(graph, anon('a-new'))).toBeUndefined();
  });

  it('creates a member for a new user id rather than adding it to a member that has one', () => {
    const graph = graphOf({ mem_001: [userId('u-1'), email('shared@x.cn')] });
    const resolution = resolveIdentifiers(graph, [email('shared@x.cn'), userId('u-2')], settings, 'mem_002');
    expect(resolution.memberId).toBe('mem_002');
    expect(resolution.created).toBe(true);
    expect(resolution.links).toEqual([userId('u-2')]);
    expect(resolution.conflicts).toEqual([
      {
        identifier: email('shared@x.cn'),
        memberId: 'mem_002',
        otherMemberId: 'mem_001',
        reason: 'linking would give the member more than 1 user_id',
      },
    ]);
  });

  it('refuses a second user id when a workspace ranks email above it', () => {
    const emailFirst = identitySettingsSchema.parse({ priority: ['email', 'user_id'] });
    const graph = graphOf({ mem_001: [userId('u-1'), email('ana@x.cn')] });
    const resolution = resolveIdentifiers(graph, [userId('u-2'), email('ana@x.cn')], emailFirst, 'mem_002');
    expect(resolution.memberId).toBe('mem_001');
    expect(resolution.links).toEqual([]);
    expect(resolution.conflicts).toEqual([
      {
        identifier: userId('u-2'),
        memberId: 'mem_001',
        otherMemberId: null,
        reason: 'linking would give the member more than 1 user_id',
      },
    ]);
  });

  it('honours limits on other types', () => {
    const twoPhones = identitySettingsSchema.parse({ limits: { user_id: 1, phone: 2 } });
    const graph = graphOf({ mem_001: [phone('+8613800138000'), phone('+8613900139000')] });
    const resolution = resolveIdentifiers(graph, [phone('+8613800138000'), phone('+8613700137000')], twoPhones, 'x');
    expect(resolution.memberId).toBe('mem_001');
    expect(resolution.links).toEqual([]);
    expect(resolution.conflicts.map((conflict) => conflict.identifier)).toEqual([phone('+8613700137000')]);
  });

  it('keeps an event carrying a known and an unknown user id with the member it matches', () => {
    // 'u-0' sorts before 'u-9': the member holding the known value still wins.
    const graph = graphOf({ mem_001: [userId('u-9'), anon('a-1')] });
    const resolution = resolveIdentifiers(graph, [userId('u-0'), userId('u-9'), anon('a-2')], settings, 'mem_002');
    expect(resolution).toEqual({
      memberId: 'mem_001',
      created: false,
      links: [],
      merges: [],
      conflicts: ['u-0', 'a-2'].map((value, index) => ({
        identifier: index === 0 ? userId(value) : anon(value),
        memberId: 'mem_001',
        otherMemberId: null,
        reason: 'linking would give the member more than 1 user_id',
      })),
    });
  });
});

interface Scenario {
  persons: number;
  events: Array<{ person: number; picks: number[] }>;
}

/** Each person owns one user id (or none), two emails, a phone and three anonymous ids. */
function identifiersOfPerson(person: number): Identifier[] {
  return [
    ...(person % 3 === 2 ? [] : [userId(`u-${person}`)]),
    email(`p${person}.a@x.cn`),
    email(`p${person}.b@x.cn`),
    phone(`+86138000000${person}`),
    anon(`a-${person}-1`),
    anon(`a-${person}-2`),
    anon(`a-${person}-3`),
  ];
}

function eventIdentifiers(event: Scenario['events'][number]): Identifier[] {
  const pool = identifiersOfPerson(event.person);
  return [...new Set(event.picks.map((pick) => pick % pool.length))].map((index) => pool[index] as Identifier);
}

/** Union-find over what the events carried together: the grouping any order must reach. */
function expectedPartition(events: Identifier[][]): string[][] {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    while (parent.get(key) !== key) key = parent.get(key) as string;
    return key;
  };
  for (const identifiers of events) {
    const keys = identifiers.map(identifierKey);
    for (const key of keys) if (!parent.has(key)) parent.set(key, key);
    for (const key of keys.slice(1)) parent.set(find(key), find(keys[0] as string));
  }
  const groups = new Map<string, string[]>();
  for (const key of parent.keys()) groups.set(find(key), [...(groups.get(find(key)) ?? []), key]);
  return [...groups.values()].map((group) => group.sort()).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

function fold(events: Identifier[][]): { graph: IdentityGraph; conflicts: number } {
  const graph = createIdentityGraph();
  let conflicts = 0;
  events.forEach((identifiers, index) => {
    const memberId = `mem_${String(index).padStart(4, '0')}`;
    conflicts += resolveIdentifiers(graph, identifiers, settings, memberId).conflicts.length;
  });
  return { graph, conflicts };
}

const scenarioArbitrary = fc.integer({ min: 1, max: 5 }).chain((persons) =>
  fc.record({
    persons: fc.constant(persons),
    events: fc.array(
      fc.record({
        person: fc.integer({ min: 0, max: persons - 1 }),
        picks: fc.array(fc.nat({ max: 6 }), { minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
  }),
);

describe('resolveIdentifiers over a sequence of events', () => {
  it('reaches the same grouping in any order when no limit is hit', () => {
    fc.assert(
      fc.property(
        scenarioArbitrary.chain((scenario) =>
          fc.tuple(fc.constant(scenario), fc.shuffledSubarray(scenario.events, { minLength: scenario.events.length })),
        ),
        ([scenario, shuffled]) => {
          const inOrder = fold(scenario.events.map(eventIdentifiers));
          const reordered = fold(shuffled.map(eventIdentifiers));
          expect(inOrder.conflicts).toBe(0);
          expect(reordered.conflicts).toBe(0);
          expect(partitionOf(reordered.graph)).toEqual(partitionOf(inOrder.graph));
          expect(partitionOf(inOrder.graph)).toEqual(expectedPartition(scenario.events.map(eventIdentifiers)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never gives a member two user ids, whatever the events carry', () => {
    const anyIdentifier = fc.oneof(
      fc.integer({ min: 0, max: 3 }).map((n) => userId(`u-${n}`)),
      fc.integer({ min: 0, max: 3 }).map((n) => email(`e${n}@x.cn`)),
      fc.integer({ min: 0, max: 3 }).map((n) => anon(`a-${n}`)),
    );
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(anyIdentifier, { selector: identifierKey, minLength: 1, maxLength: 4 })),
        (events) => {
          const { graph } = fold(events);
          for (const identifiers of graph.identifiersByMember.values()) {
            expect(identifiers.filter((identifier) => identifier.type === 'user_id').length).toBeLessThanOrEqual(1);
          }
          for (const { identifier, owner } of ownedIdentifiers(graph)) {
            expect(graph.identifiersByMember.get(owner)?.map(identifierKey)).toContain(identifierKey(identifier));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('knownSoleOwner', () => {
  const unchanged = (memberId: string) => ({ memberId, created: false, links: [], merges: [], conflicts: [] });

  it('names the member that holds every identifier, and no one when any is new or held by another', () => {
    const graph = graphOf({ mem_1: [userId('u-1'), email('a@x.cn')], mem_2: [anon('a-2')] });
    expect(knownSoleOwner(graph, [email('a@x.cn'), userId('u-1')], settings.limits)).toBe('mem_1');
    expect(knownSoleOwner(graph, [email('a@x.cn'), anon('a-new')], settings.limits)).toBeUndefined();
    expect(knownSoleOwner(graph, [email('a@x.cn'), anon('a-2')], settings.limits)).toBeUndefined();
    expect(knownSoleOwner(graph, [], settings.limits)).toBeUndefined();
  });

  it('leaves a member over a limit lowered since to the full resolution, which decides otherwise', () => {
    const graph = graphOf({ mem_1: [userId('u-1'), userId('u-2'), email('a@x.cn')] });
    const identifiers = [userId('u-1'), email('a@x.cn')];
    expect(knownSoleOwner(graph, identifiers, { user_id: 2 })).toBe('mem_1');
    expect(knownSoleOwner(graph, identifiers, { user_id: 1 })).toBeUndefined();
    expect(resolveIdentifiers(graph, identifiers, settings, 'mem_new')).not.toEqual(unchanged('mem_1'));
  });

  it('agrees with resolveIdentifiers wherever it names a member, whatever came before', () => {
    const anyIdentifier = fc.oneof(
      fc.integer({ min: 0, max: 3 }).map((n) => userId(`u-${n}`)),
      fc.integer({ min: 0, max: 3 }).map((n) => email(`e${n}@x.cn`)),
      fc.integer({ min: 0, max: 3 }).map((n) => anon(`a-${n}`)),
    );
    const event = fc.uniqueArray(anyIdentifier, { selector: identifierKey, minLength: 1, maxLength: 4 });
    let named = 0;
    fc.assert(
      fc.property(fc.array(event), event, (earlier, next) => {
        const { graph } = fold(earlier);
        const known = knownSoleOwner(graph, next, settings.limits);
        if (known === undefined) return;
        named += 1;
        expect(resolveIdentifiers(graph, next, settings, 'mem_new')).toEqual(unchanged(known));
      }),
      { numRuns: 500 },
    );
    expect(named).toBeGreaterThan(20);
  });
});
