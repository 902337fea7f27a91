import { dayMilliseconds } from '../../platform/clock.ts';
import type {
  ConditionOf,
  EventMatch,
  PropertyFilter,
  SegmentDefinition,
  ValueTest,
} from './segment-definition.schema.ts';
import { expandShorthands } from './segment-shorthands.ts';
import {
  bucketOf,
  readPath,
  upcomingMonthDays,
  windowBounds,
  withinBounds,
  type EvaluationContext,
  type FactEvent,
  type FactLifeStage,
  type MemberFacts,
} from './segment-facts.ts';

type Scalar = string | number | boolean;

/** Typed equality: text with text, number with number, flag with flag (see the definition schema). */
function sameValue(actual: unknown, expected: Scalar): boolean {
  return typeof actual === typeof expected && actual === expected;
}

/** One value put to one test; the SQL compiler mirrors each branch. */
export function passesTest(actual: unknown, test: ValueTest): boolean {
  switch (test.op) {
    case 'eq':
      return sameValue(actual, test.value);
    case 'ne':
      return !sameValue(actual, test.value);
    case 'in':
      return test.value.some((value) => sameValue(actual, value));
    case 'notIn':
      return !test.value.some((value) => sameValue(actual, value));
    case 'contains':
      if (Array.isArray(actual)) return actual.some((item) => sameValue(item, test.value));
      return typeof actual === 'string' && typeof test.value === 'string' && actual.includes(test.value);
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'missing':
      return actual === undefined || actual === null;
    case 'before':
      return typeof actual === 'string' && actual < test.value;
    case 'after':
      return typeof actual === 'string' && actual > test.value;
    default:
      return typeof actual === 'number' && compareNumbers(actual, test.op, test.value);
  }
}

export function compareNumbers(actual: number, op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte', value: number) {
  if (op === 'eq') return actual === value;
  if (op === 'ne') return actual !== value;
  if (op === 'gt') return actual > value;
  if (op === 'gte') return actual >= value;
  if (op === 'lt') return actual < value;
  return actual <= value;
}

function matchesFilter(event: FactEvent, filter: PropertyFilter): boolean {
  return passesTest(readPath(event.properties, filter.property), filter);
}

export function matchingEvents(facts: MemberFacts, match: EventMatch): FactEvent[] {
  const filters = match.where ?? [];
  return facts.events.filter(
    (event) => event.name === match.name && filters.every((filter) => matchesFilter(event, filter)),
  );
}

export function countPasses(count: number, test: ConditionOf<'event'>['count']): boolean {
  if (!test) return count >= 1;
  if (test.op === 'atLeast') return count >= test.value;
  if (test.op === 'atMost') return count <= test.value;
  return count === test.value;
}

/** An A (at `firstTimes`) in the window, old enough that D days have passed, with no B (at `thenTimes`) in the D days after it. */
export function sequenceHolds(
  condition: ConditionOf<'sequence'>,
  firstTimes: readonly number[],
  thenTimes: readonly number[],
  now: number,
): boolean {
  const span = condition.withinDays * dayMilliseconds;
  const bounds = windowBounds(condition, now);
  return firstTimes.some(
    (first) =>
      withinBounds(first, bounds) &&
      first + span <= now &&
      !thenTimes.some((time) => time > first && time <= first + span),
  );
}

function sequencePasses(condition: ConditionOf<'sequence'>, facts: MemberFacts, now: number): boolean {
  const times = (match: EventMatch) => matchingEvents(facts, match).map((event) => event.time);
  return sequenceHolds(condition, times(condition.first), times(condition.then), now);
}

function extremeTime(events: FactEvent[], which: 'first-event' | 'last-event'): number | undefined {
  if (events.length === 0) return undefined;
  const times = events.map((event) => event.time);
  return which === 'first-event' ? Math.min(...times) : Math.max(...times);
}

export function numericFeature(facts: MemberFacts, name: ConditionOf<'feature'>['name']): number {
  const features = facts.features;
  return name === 'netSpend' ? features.totalSpend - features.refundTotal : features[name];
}

/** Spent in the category, and fewer than `rank` categories with more spend (ties share a rank). */
function topCategoryPasses(condition: ConditionOf<'top-category'>, facts: MemberFacts): boolean {
  const categories = facts.features.categories;
  const own = Object.hasOwn(categories, condition.category) ? (categories[condition.category]?.spend ?? 0) : 0;
  if (!(own > 0)) return false;
  const higher = Object.values(categories).filter((entry) => (entry?.spend ?? 0) > own).length;
  return higher < condition.rank;
}

/** Whether a birthday trait's value falls on one of the days (`MM-DD`) coming up. */
export function birthdayFallsOn(value: unknown, monthDays: readonly string[]): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) return false;
  return monthDays.includes(value.slice(5, 10));
}

function birthdayPasses(condition: ConditionOf<'birthday'>, facts: MemberFacts, context: EvaluationContext) {
  const monthDays = upcomingMonthDays(context.now, context.timeZone, condition.withinDays);
  return birthdayFallsOn(readPath(facts.traits, condition.path), monthDays);
}

/** Whether one child is in the stage, or enters it within the days asked. */
export function childMatchesStage(condition: ConditionOf<'life-stage'>, child: FactLifeStage, now: number): boolean {
  const within = condition.enteringWithinDays;
  if (within === undefined) return child.stageId === condition.stage;
  return (
    child.nextStageId === condition.stage &&
    child.nextStageAt !== null &&
    child.nextStageAt <= now + within * dayMilliseconds
  );
}

function leafPasses(definition: SegmentDefinition, facts: MemberFacts, context: EvaluationContext): boolean {
  const { now } = context;
  switch (definition.type) {
    case 'trait':
      return passesTest(readPath(facts.traits, definition.path), definition);
    case 'feature':
      return compareNumbers(numericFeature(facts, definition.name), definition.op, definition.value);
    case 'feature-date': {
      const value = facts.features[definition.name];
      return value !== null && withinBounds(value, windowBounds(definition, now));
    }
    case 'category': {
      const measure = facts.features.categories[definition.category]?.[definition.measure] ?? 0;
      return compareNumbers(measure, definition.op, definition.value);
    }
    case 'top-category':
      return topCategoryPasses(definition, facts);
    case 'channel':
      // Own keys only: `in` would find `toString` on every object.
      return Object.hasOwn(facts.features.channels, definition.channel);
    case 'tag':
      return facts.tags.has(definition.tag);
    case 'tier': {
      const held = facts.tier !== null && definition.value.includes(facts.tier);
      return definition.op === 'in' ? held : !held;
    }
    case 'points':
      return compareNumbers(facts.points[definition.balance], definition.op, definition.value);
    case 'identifier':
      return facts.identifierTypes.has(definition.identifierType);
    case 'event': {
      const bounds = windowBounds(definition, now);
      const count = matchingEvents(facts, definition).filter((event) => withinBounds(event.time, bounds)).length;
      return countPasses(count, definition.count);
    }
    case 'first-event':
    case 'last-event': {
      const time = extremeTime(matchingEvents(facts, definition), definition.type);
      return time !== undefined && withinBounds(time, windowBounds(definition, now));
    }
    case 'sequence':
      return sequencePasses(definition, facts, now);
    case 'life-stage':
      return facts.lifeStages.some((child) => childMatchesStage(definition, child, now));
    case 'birthday':
      return birthdayPasses(definition, facts, context);
    case 'random-bucket': {
      const bucket = bucketOf(definition.salt, facts.memberId, definition.buckets);
      return bucket >= definition.from && bucket < definition.to;
    }
    case 'rfm':
      return facts.rfmSegment !== null && definition.segments.includes(facts.rfmSegment);
    case 'store':
      return evaluateDefinition(expandShorthands(definition), facts, context);
    default:
      throw new Error(`not a leaf condition: ${definition.type}`);
  }
}

/** Whether the member matches the definition at `context.now`: pure, the single-member evaluator. */
export function evaluateDefinition(
  definition: SegmentDefinition,
  facts: MemberFacts,
  context: EvaluationContext,
): boolean {
  if (definition.type === 'and') return definition.conditions.every((item) => evaluateDefinition(item, facts, context));
  if (definition.type === 'or') return definition.conditions.some((item) => evaluateDefinition(item, facts, context));
  if (definition.type === 'not') return !evaluateDefinition(definition.condition, facts, context);
  return leafPasses(definition, facts, context);
}
