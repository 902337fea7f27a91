import { z } from 'zod';
import { normalizeCategory } from '../profiles/event-money.ts';
import { defaultRfmSegments, otherSegment } from './rfm.ts';

/**
 * The segment definition language. One shape serves the API (validation with the path of each
 * problem), the SQL compiler and the in-memory evaluator, which must agree on every definition.
 *
 * Comparisons are typed, so that SQL and JavaScript agree exactly: text equals text (case and all),
 * numbers compare with numbers, a flag with a flag; a value of another type, or none, never
 * matches a positive test (and always matches its negation: `ne`, `notIn`, `missing`).
 */

const maxConditions = 50;
const maxDepth = 6;

const pathPattern = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;
const dottedPath = z.string().regex(pathPattern, 'must be a dotted path of letters, digits, _, $ and -');
const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 instant like 2026-05-01T00:00:00Z' });
const days = z.number().int('must be a whole number of days').min(0).max(3660);
/** Text compared as text: meant for ISO dates (`1990-05-01`), which sort as they read. */
const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be an ISO date like 2026-05-01');

/** The tests a stored value can be put to, each with the value it needs. */
function valueTests<Shape extends z.ZodRawShape>(shape: Shape) {
  return [
    z.strictObject({ ...shape, op: z.enum(['eq', 'ne']), value: scalar }),
    z.strictObject({ ...shape, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: z.number() }),
    z.strictObject({ ...shape, op: z.enum(['in', 'notIn']), value: z.array(scalar).min(1).max(1000) }),
    z.strictObject({ ...shape, op: z.literal('contains'), value: scalar }),
    z.strictObject({ ...shape, op: z.enum(['exists', 'missing']) }),
    z.strictObject({ ...shape, op: z.enum(['before', 'after']), value: dateText }),
  ] as const;
}

export const propertyFilterSchema = z.discriminatedUnion('op', valueTests({ property: dottedPath }));
export type PropertyFilter = z.infer<typeof propertyFilterSchema>;
/** A test without its subject, whichever op it is. */
export type ValueTest = PropertyFilter extends infer Filter
  ? Filter extends PropertyFilter
    ? Omit<Filter, 'property'>
    : never
  : never;

/**
 * A time window, every bound optional: `lastDays` (from `now` minus that many days, rolling to the
 * millisecond), `olderThanDays` (before `now` minus that many days), `from` (inclusive), `to`
 * (exclusive). Relative bounds move with time, which is why segments re-evaluate by the clock.
 */
const windowShape = {
  lastDays: days.optional(),
  olderThanDays: days.optional(),
  from: instant.optional(),
  to: instant.optional(),
};
export interface TimeWindow {
  lastDays?: number | undefined;
  olderThanDays?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const eventMatchShape = {
  name: z.string().min(1).max(200),
  where: z.array(propertyFilterSchema).max(20).optional(),
};
const eventMatchSchema = z.strictObject(eventMatchShape);
export type EventMatch = z.infer<typeof eventMatchSchema>;

const countSchema = z.strictObject({
  op: z.enum(['atLeast', 'atMost', 'exactly']),
  value: z.number().int().min(0).max(1_000_000),
});

export const numericFeatureNames = ['orderCount', 'totalSpend', 'refundTotal', 'netSpend', 'eventCount'] as const;
export const dateFeatureNames = ['firstSeenAt', 'lastSeenAt', 'firstOrderAt', 'lastOrderAt'] as const;
export const pointsBalanceNames = [
  'available',
  'pending',
  'lifetimeEarned',
  'lifetimeRedeemed',
  'lifetimeExpired',
] as const;
const numericTest = {
  op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']),
  value: z.number(),
};
const categoryName = z
  .string()
  .regex(/^[^"\\]{1,100}$/, 'must be 1–100 characters without " or \\')
  .transform(normalizeCategory);

/** The RFM segments a member can be in: the default named segments (see rfm.ts), or Others. */
export const rfmSegmentNames: [string, ...string[]] = [otherSegment, ...defaultRfmSegments.map((rule) => rule.name)];

const leafConditions = [
  // One option per type: the outer union may not repeat `trait`, so its tests form a union of their own.
  z.discriminatedUnion('op', valueTests({ type: z.literal('trait'), path: dottedPath })),
  z.strictObject({ type: z.literal('feature'), name: z.enum(numericFeatureNames), ...numericTest }),
  z.strictObject({ type: z.literal('feature-date'), name: z.enum(dateFeatureNames), ...windowShape }),
  z.strictObject({
    type: z.literal('category'),
    category: categoryName,
    measure: z.enum(['spend', 'orders']),
    ...numericTest,
  }),
  z.strictObject({
    type: z.literal('top-category'),
    category: categoryName,
    rank: z.number().int().min(1).max(20).default(1),
  }),
  z.strictObject({ type: z.literal('channel'), channel: z.string().min(1).max(100) }),
  z.strictObject({ type: z.literal('tag'), tag: z.string().min(1) }),
  z.strictObject({ type: z.literal('tier'), op: z.enum(['in', 'notIn']), value: z.array(z.string()).min(1) }),
  z.strictObject({ type: z.literal('points'), balance: z.enum(pointsBalanceNames), ...numericTest }),
  z.strictObject({ type: z.literal('identifier'), identifierType: z.string().min(1).max(100) }),
  z.strictObject({
    type: z.literal('event'),
    ...eventMatchShape,
    ...windowShape,
    count: countSchema.optional(),
  }),
  z.strictObject({ type: z.enum(['first-event', 'last-event']), ...eventMatchShape, ...windowShape }),
  z.strictObject({
    type: z.literal('sequence'),
    first: eventMatchSchema,
    then: eventMatchSchema,
    withinDays: days.min(1),
    ...windowShape,
  }),
  z.strictObject({
    type: z.literal('life-stage'),
    stage: z.string().min(1),
    enteringWithinDays: days.optional(),
  }),
  z.strictObject({ type: z.literal('birthday'), path: dottedPath.default('birthday'), withinDays: days.max(366) }),
  z.strictObject({
    type: z.literal('random-bucket'),
    salt: z.string().max(100),
    buckets: z.number().int().min(2).max(10_000),
    from: z.number().int().min(0),
    to: z.number().int().min(1),
  }),
  z.strictObject({ type: z.literal('store'), stores: z.array(z.string().min(1)).min(1).max(1000), ...windowShape }),
  z.strictObject({ type: z.literal('rfm'), segments: z.array(z.enum(rfmSegmentNames)).min(1) }),
] as const;

type LeafCondition = z.infer<(typeof leafConditions)[number]>;
export type SegmentDefinition =
  | LeafCondition
  | { type: 'and'; conditions: SegmentDefinition[] }
  | { type: 'or'; conditions: SegmentDefinition[] }
  | { type: 'not'; condition: SegmentDefinition };

export const segmentDefinitionSchema: z.ZodType<SegmentDefinition> = z
  .lazy(() =>
    z.discriminatedUnion('type', [
      ...leafConditions,
      z.strictObject({
        type: z.literal('and'),
        conditions: z.array(segmentDefinitionSchema).min(1).max(maxConditions),
      }),
      z.strictObject({ type: z.literal('or'), conditions: z.array(segmentDefinitionSchema).min(1).max(maxConditions) }),
      z.strictObject({ type: z.literal('not'), condition: segmentDefinitionSchema }),
    ]),
  )
  .meta({ id: 'SegmentDefinition' });

export type ConditionOf<Type extends SegmentDefinition['type']> = Extract<SegmentDefinition, { type: Type }>;

function depthOf(definition: SegmentDefinition): number {
  if (definition.type === 'and' || definition.type === 'or') return 1 + Math.max(...definition.conditions.map(depthOf));
  if (definition.type === 'not') return 1 + depthOf(definition.condition);
  return 1;
}

/** The definition as the API takes it: nesting bounded, windows and buckets that make sense. */
export const checkedDefinitionSchema = segmentDefinitionSchema.superRefine((definition, context) => {
  if (depthOf(definition) > maxDepth)
    context.addIssue({ code: 'custom', message: `must nest at most ${maxDepth} levels deep`, path: [] });
  checkRanges(definition, [], context);
});

function checkRanges(definition: SegmentDefinition, path: (string | number)[], context: z.RefinementCtx): void {
  if (definition.type === 'and' || definition.type === 'or') {
    definition.conditions.forEach((item, index) => checkRanges(item, [...path, 'conditions', index], context));
    return;
  }
  if (definition.type === 'not') return checkRanges(definition.condition, [...path, 'condition'], context);
  if (definition.type === 'random-bucket' && definition.to <= definition.from)
    context.addIssue({ code: 'custom', message: 'must be more than from', path: [...path, 'to'] });
  if (definition.type === 'random-bucket' && definition.to > definition.buckets)
    context.addIssue({ code: 'custom', message: 'must be at most buckets', path: [...path, 'to'] });
  if ('from' in definition && typeof definition.from === 'string' && typeof definition.to === 'string') {
    if (Date.parse(definition.to) <= Date.parse(definition.from))
      context.addIssue({ code: 'custom', message: 'must be after from', path: [...path, 'to'] });
  }
}
