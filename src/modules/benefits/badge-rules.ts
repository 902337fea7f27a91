import { DateTime } from 'luxon';
import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { parseOrderEvent } from '../profiles/orders.ts';
import type { BadgeDefinition, BadgeMeasure } from './badge-definition.schema.ts';

/** What counts toward a badge, and the level it reaches: pure functions of the member's contributions and now. */

/** One thing that counted: an order (by id), an event, or a day of a streak. */
export interface Contribution {
  key: string;
  at: number;
  amount: number;
  /** The order's total, to size a refund against. */
  base: number;
}

export interface BadgeProgress {
  contributions: Contribution[];
  /** Index into the definition's levels; -1 before the first. */
  levelIndex: number;
  awardedAt: number | null;
}

export type BadgeInput =
  { kind: 'add'; contribution: Contribution } | { kind: 'refund'; orderId: string; amount: number | null };

/** What an event adds to or takes from a badge's measure, if anything. */
export function readBadgeInput(
  measure: BadgeMeasure,
  event: LoggedEvent,
  context: { currency: string; timeZone: string },
): BadgeInput | undefined {
  if (measure.type === 'events' || measure.type === 'streak') {
    if (event.eventName !== measure.event || event.type !== 'track') return undefined;
    const key =
      measure.type === 'streak'
        ? (DateTime.fromMillis(event.eventTime, { zone: context.timeZone }).toISODate() ?? '')
        : event.id;
    return { kind: 'add', contribution: { key, at: event.eventTime, amount: 1, base: 1 } };
  }
  const order = parseOrderEvent(event.eventName, event.payload, context.currency);
  if (!order || order.currency !== context.currency) return undefined;
  if (order.kind === 'refunded') return { kind: 'refund', orderId: order.orderId, amount: order.amount };
  const total = order.amount ?? 0;
  const inCategory = measure.category === undefined ? total : (order.categorySpend[measure.category] ?? 0);
  if (inCategory <= 0) return undefined;
  const amount = measure.type === 'spend' ? inCategory : 1;
  return { kind: 'add', contribution: { key: order.orderId, at: event.eventTime, amount, base: total } };
}

/** The contributions after the input: the same order or day counts once; a refund shrinks its order. */
export function applyBadgeInput(
  measure: BadgeMeasure,
  contributions: Contribution[],
  input: BadgeInput,
): Contribution[] {
  if (input.kind === 'add') {
    if (contributions.some((held) => held.key === input.contribution.key)) return contributions;
    return [...contributions, input.contribution];
  }
  return contributions.flatMap((held) => {
    if (held.key !== input.orderId) return [held];
    const refunded = input.amount === null ? held.base : Math.min(input.amount, held.base);
    const left = held.base - refunded;
    if (measure.type === 'orders') return left <= 0 ? [] : [{ ...held, base: left }];
    // A partial refund takes the category's share of what was refunded.
    const amount = held.base === 0 ? 0 : Math.round((held.amount * left) / held.base);
    return amount <= 0 ? [] : [{ ...held, amount, base: left }];
  });
}

function longestRunToLatest(days: string[]): number {
  const sorted = [...new Set(days)].sort();
  let run = sorted.length > 0 ? 1 : 0;
  for (let index = sorted.length - 1; index > 0; index -= 1) {
    const later = DateTime.fromISO(sorted[index] ?? '', { zone: 'UTC' });
    const earlier = DateTime.fromISO(sorted[index - 1] ?? '', { zone: 'UTC' });
    if (later.diff(earlier, 'days').days !== 1) break;
    run += 1;
  }
  return run;
}

/** The measure over the window ending now. */
export function measureValue(
  definition: BadgeDefinition,
  contributions: Contribution[],
  now: number,
  timeZone: string,
): number {
  const since =
    definition.windowMonths === undefined
      ? Number.NEGATIVE_INFINITY
      : DateTime.fromMillis(now, { zone: timeZone }).minus({ months: definition.windowMonths }).toMillis();
  const counted = contributions.filter((held) => held.at > since);
  if (definition.measure.type === 'streak') return longestRunToLatest(counted.map((held) => held.key));
  return counted.reduce((sum, held) => sum + held.amount, 0);
}

export function levelFor(definition: BadgeDefinition, value: number): number {
  let reached = -1;
  for (const [index, level] of definition.levels.entries()) if (value >= level.threshold) reached = index;
  return reached;
}

/**
 * The level after an input: reached levels are awarded (each once, in order); a refund that drops
 * the measure below a held level takes it back if the badge says so; time alone takes nothing back.
 */
export function nextLevel(definition: BadgeDefinition, held: number, value: number, input: BadgeInput): number {
  const reached = levelFor(definition, value);
  if (reached > held) return reached;
  if (reached < held && input.kind === 'refund' && definition.revokeOnRefund) return reached;
  return held;
}
