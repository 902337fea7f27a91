import { DateTime } from 'luxon';
import { dayMilliseconds } from '../../platform/clock.ts';
import type { FeatureState } from '../profiles/features.ts';
import type { pointsBalanceNames, TimeWindow } from './segment-definition.schema.ts';

/**
 * Everything a segment definition can ask about one member, as stored: the in-memory evaluator
 * reads this, the SQL compiler reads the same facts where they live (members, member_tags,
 * points_accounts, identifiers, events with event_members, member_life_stages).
 */
export interface MemberFacts {
  memberId: string;
  traits: Record<string, unknown>;
  features: FeatureState;
  tags: ReadonlySet<string>;
  tier: string | null;
  /** Zero for a member without a points account. */
  points: Record<(typeof pointsBalanceNames)[number], number>;
  identifierTypes: ReadonlySet<string>;
  /** Tracked events (`type: 'track'`) the member performed, in any order. */
  events: readonly FactEvent[];
  lifeStages: readonly FactLifeStage[];
  /** The member's RFM segment as last scored (null: not a customer, or not scored yet). */
  rfmSegment: string | null;
}

export interface FactEvent {
  name: string;
  time: number;
  properties: Record<string, unknown>;
}

export interface FactLifeStage {
  stageId: string | null;
  nextStageId: string | null;
  nextStageAt: number | null;
}

export interface EvaluationContext {
  now: number;
  timeZone: string;
}

/** A window as instants: `lower` inclusive, `upper` exclusive; either may be absent. */
export interface Bounds {
  lower?: number;
  upper?: number;
}

export function windowBounds(window: TimeWindow, now: number): Bounds {
  const lowers: number[] = [];
  const uppers: number[] = [];
  if (window.lastDays !== undefined) lowers.push(now - window.lastDays * dayMilliseconds);
  if (window.from !== undefined) lowers.push(Date.parse(window.from));
  if (window.olderThanDays !== undefined) uppers.push(now - window.olderThanDays * dayMilliseconds);
  if (window.to !== undefined) uppers.push(Date.parse(window.to));
  return {
    ...(lowers.length > 0 ? { lower: Math.max(...lowers) } : {}),
    ...(uppers.length > 0 ? { upper: Math.min(...uppers) } : {}),
  };
}

export function withinBounds(time: number, bounds: Bounds): boolean {
  return (bounds.lower === undefined || time >= bounds.lower) && (bounds.upper === undefined || time < bounds.upper);
}

/** The member's bucket for a random split (md5, so PostgreSQL computes the very same bucket). */
export { bucketOf } from '../../platform/buckets.ts';

/** `MM-DD` of each local day from today through `withinDays` days ahead, in the time zone. */
export function upcomingMonthDays(now: number, timeZone: string, withinDays: number): string[] {
  const today = DateTime.fromMillis(now, { zone: timeZone }).startOf('day');
  const days = new Set<string>();
  for (let offset = 0; offset <= withinDays; offset += 1) days.add(today.plus({ days: offset }).toFormat('MM-dd'));
  return [...days];
}

/** A dotted path into a JSON object (`address.city`); undefined where it leads nowhere. */
export function readPath(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    // Own keys only: `constructor` or `toString` are not traits, and SQL finds no such key.
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
