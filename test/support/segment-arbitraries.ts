import fc from 'fast-check';
import {
  dateFeatureNames,
  numericFeatureNames,
  pointsBalanceNames,
  type EventMatch,
  type PropertyFilter,
  type SegmentDefinition,
  type TimeWindow,
  type ValueTest,
} from '../../src/modules/audience/segment-definition.schema.ts';
import type { AccountSeed, EventSeed, LifeStageSeed, MemberSeed } from './segment-seeds.ts';

/**
 * Random members and random segment definitions drawn from the same small pools, so that
 * definitions match some members and miss others: the ground the two evaluators must agree on.
 */

const day = 86_400_000;

/** Instants around a year end, a leap day and an ordinary day; each run measures from one. */
export const nows = [
  Date.parse('2026-03-15T10:00:00.000Z'),
  Date.parse('2025-12-30T20:00:00.000Z'),
  Date.parse('2028-02-28T17:30:00.000Z'),
];
export const timeZones = ['UTC', 'Asia/Shanghai', 'America/Los_Angeles'];

const texts = ['gold', 'Gold', 'silver', '', '42', '1', 'true', 'vip', 'vip-ish', 'café', 's1', 's2', '1990-03-16']
  // Spelled like JSON: SQLite hands back an array or object as exactly such text.
  .concat(['["gold"]', '{}', '[]']);
const numbers = [0, 1, 42, -3, 2.5, 1000];
const dateTexts = ['1990-03-16', '2000-01-01', '2026-03-15', '1990-12-31'];
const eventNames = ['Order Completed', 'Page Viewed', 'Signed Up', 'Cart Abandoned'];
const categories = ['shoes', 'a.b', 'Home & Garden', 'tab\there'];
const channels = ['web', 'ios', 'toString', 'say "hi"'];
const tags = ['t1', 't2', 't3'];
const tiers = ['bronze', 'silver', 'gold'];
const identifierTypes = ['email', 'phone', 'external_id'];
const stages = ['infant', 'toddler', 'child'];
const stores = ['s1', 's2', 's3'];
const traitPaths = [
  'plan',
  'score',
  'vip',
  'tags',
  'address',
  'address.city',
  'address.zip',
  'birthday',
  'home_store',
].concat(['note', 'a-b', '$x', 'missing', 'constructor', 'tags.0', 'plan.length']);
const propertyPaths = ['store_id', 'amount', 'plan', 'items', 'meta', 'meta.source', 'missing'];

const scalar: fc.Arbitrary<string | number | boolean> = fc.oneof(
  fc.constantFrom(...texts),
  fc.constantFrom(...numbers),
  fc.boolean(),
);
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.array(fc.oneof(scalar, fc.array(scalar, { maxLength: 2 })), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ city: scalar, zip: scalar }, { requiredKeys: [] }) },
);

/** Times spread over the last ten weeks, and exactly on (or a millisecond off) the window edges. */
function timeNear(now: number): fc.Arbitrary<number> {
  const edges = [0, 1, 2, 7, 30, 60].flatMap((days) => [-1, 0, 1].map((off) => now - days * day + off));
  return fc.oneof(fc.integer({ min: now - 70 * day, max: now + 3 * day }), fc.constantFrom(...edges));
}

function birthdays(now: number): string[] {
  const near = [-2, -1, 0, 1, 2, 3, 5, 9].map((offset) => new Date(now + offset * day).toISOString().slice(5, 10));
  return [...near.map((monthDay) => `1990-${monthDay}`), '2000-02-29', '1985-12-31T08:00:00Z', '1990-1-5', '19900316'];
}

function traitsOf(now: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      plan: jsonValue,
      score: jsonValue,
      vip: jsonValue,
      tags: jsonValue,
      address: jsonValue,
      note: jsonValue,
      'a-b': scalar,
      $x: scalar,
      constructor: scalar,
      home_store: fc.oneof(fc.constantFrom(...stores), scalar),
      birthday: fc.oneof(fc.constantFrom(...birthdays(now)), scalar),
    },
    { requiredKeys: [] },
  );
}

function featuresOf(now: number): fc.Arbitrary<Record<string, unknown>> {
  const time = fc.option(timeNear(now));
  const amount = fc.constantFrom(0, 100, 2500, 99.5);
  const measures = fc.record({ spend: amount, orders: fc.nat(3) }, { requiredKeys: [] });
  return fc.record(
    {
      firstSeenAt: time,
      lastSeenAt: time,
      firstOrderAt: time,
      lastOrderAt: time,
      eventCount: fc.nat(5),
      orderCount: fc.nat(5),
      totalSpend: amount,
      refundTotal: amount,
      categories: fc.dictionary(fc.constantFrom(...categories), measures),
      channels: fc.dictionary(fc.constantFrom(...channels), timeNear(now)),
    },
    { requiredKeys: [] },
  );
}

function eventsOf(now: number): fc.Arbitrary<EventSeed[]> {
  const properties = fc.record(
    {
      store_id: fc.oneof(fc.constantFrom(...stores), scalar),
      amount: jsonValue,
      plan: jsonValue,
      items: jsonValue,
      meta: fc.oneof(fc.record({ source: scalar }, { requiredKeys: [] }), scalar),
    },
    { requiredKeys: [] },
  );
  const event = fc.record({
    name: fc.constantFrom(...eventNames),
    type: fc.constantFrom('track', 'track', 'track', 'page'),
    time: timeNear(now),
    properties: fc.oneof(
      { weight: 8, arbitrary: properties },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, [1, 2], 'text') },
    ),
  });
  return fc.array(event, { maxLength: 8 });
}

function memberOf(now: number): fc.Arbitrary<MemberSeed> {
  const balance = fc.constantFrom(0, 1, 50, 100, -5);
  const account: fc.Arbitrary<AccountSeed> = fc.record({
    tier: fc.option(fc.constantFrom(...tiers)),
    available: balance,
    pending: balance,
    lifetimeEarned: balance,
    lifetimeRedeemed: balance,
    lifetimeExpired: balance,
  });
  const stageAt = fc.oneof(timeNear(now + 31 * day), fc.constantFrom(...[0, 1, 7, 30].map((days) => now + days * day)));
  const lifeStage: fc.Arbitrary<LifeStageSeed> = fc.record({
    stageId: fc.option(fc.constantFrom(...stages)),
    nextStageId: fc.option(fc.constantFrom(...stages)),
    nextStageAt: fc.option(stageAt),
  });
  return fc.record({
    id: fc.constant(''),
    merged: fc.boolean(),
    traits: traitsOf(now),
    features: featuresOf(now),
    tags: fc.subarray(tags),
    account: fc.option(account),
    identifiers: fc.subarray(identifierTypes).map((types) => types.map((type) => ({ type, value: '' }))),
    events: eventsOf(now),
    lifeStages: fc.array(lifeStage, { maxLength: 2 }),
    rfmSegment: fc.option(fc.constantFrom(...rfmSegments)),
  });
}

const longList = [...texts, ...numbers, ...Array.from({ length: 45 }, (_, index) => `x${index}`)];
const valueTest: fc.Arbitrary<ValueTest> = fc.oneof(
  fc.record({ op: fc.constantFrom('eq', 'ne'), value: scalar }),
  fc.record({ op: fc.constantFrom('gt', 'gte', 'lt', 'lte'), value: fc.constantFrom(...numbers) }),
  fc.record({
    op: fc.constantFrom('in', 'notIn'),
    value: fc.oneof(fc.array(scalar, { minLength: 1, maxLength: 4 }), fc.constant(longList)),
  }),
  fc.record({ op: fc.constant('contains'), value: scalar }),
  fc.record({ op: fc.constantFrom('exists', 'missing') }),
  fc.record({ op: fc.constantFrom('before', 'after'), value: fc.constantFrom(...dateTexts) }),
);

function windowOf(now: number): fc.Arbitrary<TimeWindow> {
  const instant = fc.constantFrom(...[-30, -7, -1, 0, 1].map((days) => new Date(now + days * day).toISOString()));
  return fc.record(
    {
      lastDays: fc.constantFrom(0, 1, 7, 30, 60),
      olderThanDays: fc.constantFrom(0, 1, 7, 30),
      from: instant,
      to: instant,
    },
    { requiredKeys: [] },
  );
}

const eventMatch: fc.Arbitrary<EventMatch> = fc.record(
  {
    name: fc.constantFrom(...eventNames),
    where: fc.array(
      fc
        .tuple(fc.constantFrom(...propertyPaths), valueTest)
        .map(([property, test]): PropertyFilter => ({ property, ...test })),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: ['name'] },
);

const numericTest = fc.record({
  op: fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte'),
  value: fc.constantFrom(0, 1, 2, 50, 100, 2500, -1),
});

function eventLeaves(now: number): fc.Arbitrary<SegmentDefinition>[] {
  const window = windowOf(now);
  const count = fc.option(fc.record({ op: fc.constantFrom('atLeast', 'atMost', 'exactly'), value: fc.nat(3) }), {
    nil: undefined,
  });
  return [
    fc.tuple(eventMatch, window, count).map(([match, bounds, tally]): SegmentDefinition => ({
      type: 'event',
      ...match,
      ...bounds,
      ...(tally ? { count: tally } : {}),
    })),
    fc
      .tuple(fc.constantFrom('first-event', 'last-event'), eventMatch, window)
      .map(([type, match, bounds]): SegmentDefinition => ({ type, ...match, ...bounds })),
    fc
      .tuple(eventMatch, eventMatch, fc.constantFrom(1, 2, 7, 30), window)
      .map(([first, then, withinDays, bounds]): SegmentDefinition => ({
        type: 'sequence',
        first,
        then,
        withinDays,
        ...bounds,
      })),
    fc
      .tuple(fc.subarray(stores, { minLength: 1 }), window)
      .map(([chosen, bounds]): SegmentDefinition => ({ type: 'store', stores: chosen, ...bounds })),
  ];
}

function profileLeaves(now: number): fc.Arbitrary<SegmentDefinition>[] {
  const bucket = fc
    .constantFrom(2, 3, 10)
    .chain((buckets) =>
      fc
        .tuple(fc.nat(buckets - 1), fc.nat(buckets - 1))
        .map(([a, b]) => ({ buckets, from: Math.min(a, b), to: Math.max(a, b) + 1 })),
    );
  return [
    fc
      .tuple(fc.constantFrom(...traitPaths), valueTest)
      .map(([path, test]): SegmentDefinition => ({ type: 'trait', path, ...test })),
    fc
      .tuple(fc.constantFrom(...numericFeatureNames), numericTest)
      .map(([name, test]): SegmentDefinition => ({ type: 'feature', name, ...test })),
    fc
      .tuple(fc.constantFrom(...dateFeatureNames), windowOf(now))
      .map(([name, bounds]): SegmentDefinition => ({ type: 'feature-date', name, ...bounds })),
    fc
      .tuple(fc.constantFrom(...categories, 'none'), fc.constantFrom('spend', 'orders'), numericTest)
      .map(([category, measure, test]): SegmentDefinition => ({ type: 'category', category, measure, ...test })),
    fc
      .tuple(fc.constantFrom(...categories, 'none'), fc.constantFrom(1, 2, 3))
      .map(([category, rank]): SegmentDefinition => ({ type: 'top-category', category, rank })),
    fc.constantFrom(...channels, 'email').map((channel): SegmentDefinition => ({ type: 'channel', channel })),
    fc
      .tuple(fc.constantFrom('birthday', 'note'), fc.constantFrom(0, 1, 3, 7, 366))
      .map(([path, withinDays]): SegmentDefinition => ({ type: 'birthday', path, withinDays })),
    fc
      .tuple(fc.constantFrom('', 'exp-1', 'sél'), bucket)
      .map(([salt, split]): SegmentDefinition => ({ type: 'random-bucket', salt, ...split })),
  ];
}

const rfmSegments = ['Champions', 'Lost', 'Others'];

function relatedLeaves(): fc.Arbitrary<SegmentDefinition>[] {
  return [
    fc
      .subarray([...rfmSegments, 'At Risk'], { minLength: 1 })
      .map((segments): SegmentDefinition => ({ type: 'rfm', segments })),
    fc.constantFrom(...tags, 'none').map((tag): SegmentDefinition => ({ type: 'tag', tag })),
    fc
      .tuple(fc.constantFrom('in', 'notIn'), fc.subarray([...tiers, 'platinum'], { minLength: 1 }))
      .map(([op, value]): SegmentDefinition => ({ type: 'tier', op, value })),
    fc
      .tuple(fc.constantFrom(...pointsBalanceNames), numericTest)
      .map(([balance, test]): SegmentDefinition => ({ type: 'points', balance, ...test })),
    fc
      .constantFrom(...identifierTypes, 'none')
      .map((identifierType): SegmentDefinition => ({ type: 'identifier', identifierType })),
    fc
      .tuple(fc.constantFrom(...stages), fc.option(fc.constantFrom(0, 1, 7, 30), { nil: undefined }))
      .map(([stage, within]): SegmentDefinition => ({
        type: 'life-stage',
        stage,
        ...(within === undefined ? {} : { enteringWithinDays: within }),
      })),
  ];
}

/** Leaves of every type, nested under and/or/not up to `depth` levels. */
export function definitionOf(now: number, depth = 3): fc.Arbitrary<SegmentDefinition> {
  const leaf = fc.oneof(...profileLeaves(now), ...relatedLeaves(), ...eventLeaves(now));
  if (depth === 0) return leaf;
  const child = definitionOf(now, depth - 1);
  const list = fc.array(child, { minLength: 1, maxLength: 3 });
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: list.map((conditions): SegmentDefinition => ({ type: 'and', conditions })) },
    { weight: 1, arbitrary: list.map((conditions): SegmentDefinition => ({ type: 'or', conditions })) },
    { weight: 1, arbitrary: child.map((condition): SegmentDefinition => ({ type: 'not', condition })) },
  );
}

export interface Scenario {
  now: number;
  timeZone: string;
  /** Without ids: the test names them per workspace. */
  members: MemberSeed[];
  definitions: SegmentDefinition[];
}

export function scenarioOf(options: { members: number; definitions: number }): fc.Arbitrary<Scenario> {
  return fc.constantFrom(...nows).chain((now) =>
    fc.record({
      now: fc.constant(now),
      timeZone: fc.constantFrom(...timeZones),
      members: fc.array(memberOf(now), { minLength: Math.ceil(options.members / 2), maxLength: options.members }),
      definitions: fc.array(definitionOf(now), {
        minLength: Math.ceil(options.definitions / 2),
        maxLength: options.definitions,
      }),
    }),
  );
}
