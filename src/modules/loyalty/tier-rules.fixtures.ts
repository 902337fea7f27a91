/** Shared fixtures of the tier and value-score tests. */
import { tiersSchema, valueScoreSchema, type TierProgram, type ValueScoreModel } from './tier-program.schema.ts';
import {
  computeValueScore,
  emptyTierState,
  type MemberFacts,
  type MonthActivity,
  type TierState,
} from './tier-rules.ts';

export const day = 86_400_000;
export const shanghai = 'Asia/Shanghai';

/** An instant given as wall-clock time in Shanghai (UTC+8, no daylight saving). */
export function shanghaiTime(year: number, month: number, date: number, hour = 0, minute = 0): number {
  return Date.UTC(year, month - 1, date, hour - 8, minute);
}

/** 2026-05-10 12:00 in Shanghai. */
export const may10 = shanghaiTime(2026, 5, 10, 12);

export const model: ValueScoreModel = valueScoreSchema.parse({});
export const noFacts: MemberFacts = { traits: {}, firstSeenAt: null };

export function tiers(settings: Record<string, unknown> = {}): TierProgram {
  return tiersSchema.parse(settings);
}

/** Tiers on net spend over the last three months, with a base tier at 0. */
export function spendTiers(settings: Record<string, unknown> = {}): TierProgram {
  return tiers({
    basis: 'spend',
    window: { kind: 'rolling', months: 3 },
    levels: [
      { id: 'silver', name: 'Silver', threshold: 0 },
      { id: 'gold', name: 'Gold', threshold: 10_000 },
      { id: 'diamond', name: 'Diamond', threshold: 50_000 },
    ],
    ...settings,
  });
}

export function month(activity: Partial<MonthActivity> = {}): MonthActivity {
  return { spend: 0, refunds: 0, orders: 0, points: 0, days: [], ...activity };
}

export function stateWith(activity: Record<string, MonthActivity>, tierId: string | null = null): TierState {
  return { ...emptyTierState(), tierId, since: tierId === null ? null : shanghaiTime(2026, 1, 1), activity };
}

/** The dimensions alone, for the default model and the member's activity. */
export function dimensionsOf(state: TierState, facts: MemberFacts = noFacts, scoring: ValueScoreModel = model) {
  return computeValueScore(scoring, state, facts, may10, shanghai).dimensions;
}
