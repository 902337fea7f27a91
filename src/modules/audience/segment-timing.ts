import { DateTime } from 'luxon';
import { dayMilliseconds } from '../../platform/clock.ts';
import type { ConditionOf, SegmentDefinition, TimeWindow } from './segment-definition.schema.ts';
import { matchingEvents } from './segment-evaluation.ts';
import { readPath, type EvaluationContext, type MemberFacts } from './segment-facts.ts';
import { expandShorthands } from './segment-shorthands.ts';

/**
 * The instants at which a time at `time` crosses a relative window bound: it leaves `lastDays`
 * once `now` passes `time + lastDays`, and enters `olderThanDays` once `now` passes
 * `time + olderThanDays` (bounds are `>= lower` and `< upper`, so the change is a millisecond after).
 */
function crossings(time: number, window: TimeWindow): number[] {
  const instants: number[] = [];
  if (window.lastDays !== undefined) instants.push(time + window.lastDays * dayMilliseconds + 1);
  if (window.olderThanDays !== undefined) instants.push(time + window.olderThanDays * dayMilliseconds + 1);
  return instants;
}

/** The next local midnight at which a birthday (a date-like text) enters or leaves the `withinDays` ahead. */
export function birthdayChangeAt(value: unknown, withinDays: number, context: EvaluationContext): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) return null;
  const [month = 1, day = 1] = value.slice(5, 10).split('-').map(Number);
  const today = DateTime.fromMillis(context.now, { zone: context.timeZone }).startOf('day');
  // A 29 February birthday only comes in leap years, as the evaluators count it.
  for (let years = 0; years <= 8; years += 1) {
    const birthday = DateTime.fromObject({ year: today.year + years, month, day }, { zone: context.timeZone });
    if (!birthday.isValid || birthday.month !== month || birthday < today) continue;
    const enters = birthday.minus({ days: withinDays });
    return enters > today ? enters.toMillis() : birthday.plus({ days: 1 }).toMillis();
  }
  return null;
}

function birthdayChanges(condition: ConditionOf<'birthday'>, facts: MemberFacts, context: EvaluationContext) {
  const change = birthdayChangeAt(readPath(facts.traits, condition.path), condition.withinDays, context);
  return change === null ? [] : [change];
}

function eventChanges(definition: SegmentDefinition, facts: MemberFacts): number[] {
  switch (definition.type) {
    case 'event':
      return matchingEvents(facts, definition).flatMap((event) => crossings(event.time, definition));
    case 'first-event':
    case 'last-event': {
      const times = matchingEvents(facts, definition).map((event) => event.time);
      if (times.length === 0) return [];
      return crossings(definition.type === 'first-event' ? Math.min(...times) : Math.max(...times), definition);
    }
    case 'sequence':
      return matchingEvents(facts, definition.first).flatMap((event) => [
        event.time + definition.withinDays * dayMilliseconds,
        ...crossings(event.time, definition),
      ]);
    default:
      return [];
  }
}

function leafChanges(definition: SegmentDefinition, facts: MemberFacts, context: EvaluationContext): number[] {
  switch (definition.type) {
    case 'feature-date': {
      const value = facts.features[definition.name];
      return value === null ? [] : crossings(value, definition);
    }
    case 'life-stage': {
      const within = definition.enteringWithinDays;
      if (within === undefined) return [];
      return facts.lifeStages.flatMap((child) =>
        child.nextStageId === definition.stage && child.nextStageAt !== null
          ? [child.nextStageAt - within * dayMilliseconds]
          : [],
      );
    }
    case 'birthday':
      return birthdayChanges(definition, facts, context);
    case 'store':
      return changeInstants(expandShorthands(definition), facts, context);
    default:
      return eventChanges(definition, facts);
  }
}

function changeInstants(definition: SegmentDefinition, facts: MemberFacts, context: EvaluationContext): number[] {
  if (definition.type === 'and' || definition.type === 'or')
    return definition.conditions.flatMap((item) => changeInstants(item, facts, context));
  if (definition.type === 'not') return changeInstants(definition.condition, facts, context);
  return leafChanges(definition, facts, context);
}

/**
 * The first instant after `now` at which time alone may change whether the member matches (a
 * window slides past an event, a birthday comes near); null when only new facts can. Every leaf
 * counts, negated or not: the answer can only change where one of them does. A stage changing
 * comes as a `Life Stage Changed` from the life-stages stage, not from here.
 */
export function nextChangeAt(
  definition: SegmentDefinition,
  facts: MemberFacts,
  context: EvaluationContext,
): number | null {
  let next: number | null = null;
  for (const instant of changeInstants(definition, facts, context)) {
    if (instant > context.now && (next === null || instant < next)) next = instant;
  }
  return next;
}
