import { DateTime } from 'luxon';
import { dayMilliseconds } from '../../platform/clock.ts';
import type { TierLevel, TierProgram, ValueScoreModel } from './tier-program.schema.ts';

/** What a member did in one month of the workspace calendar; tiers and the value score read these. */
export interface MonthActivity {
  spend: number;
  refunds: number;
  orders: number;
  points: number;
  /** Days of the month with any activity. */
  days: number[];
}

export interface TierChange {
  from: string | null;
  to: string | null;
  at: number;
  reason: string;
}

export interface TierState {
  tierId: string | null;
  since: number | null;
  /** `yyyy-MM` → activity; months older than any window are dropped. */
  activity: Record<string, MonthActivity>;
  /** Evaluation dates up to here have been applied. */
  evaluatedTo: number | null;
  downgrade: { to: string | null; at: number } | null;
  history: TierChange[];
  /** What the value score reads of the member, as of their last tracked event. */
  facts?: MemberFacts;
}

export interface MemberFacts {
  traits: Record<string, unknown>;
  firstSeenAt: number | null;
}

export interface ValueScore {
  total: number;
  dimensions: { consumption: number; activity: number; account: number; credit: number; newcomer: number };
}

export function emptyTierState(): TierState {
  return { tierId: null, since: null, activity: {}, evaluatedTo: null, downgrade: null, history: [] };
}

function local(at: number, timeZone: string): DateTime {
  return DateTime.fromMillis(at, { zone: timeZone });
}

export function recordActivity(
  state: TierState,
  at: number,
  timeZone: string,
  change: Partial<Omit<MonthActivity, 'days'>>,
): void {
  const day = local(at, timeZone);
  const key = day.toFormat('yyyy-MM');
  const month = (state.activity[key] ??= { spend: 0, refunds: 0, orders: 0, points: 0, days: [] });
  month.spend += change.spend ?? 0;
  month.refunds += change.refunds ?? 0;
  month.orders += change.orders ?? 0;
  month.points += change.points ?? 0;
  if (!month.days.includes(day.day)) month.days.push(day.day);
}

/** Month keys of a window ending at `at`: the last N calendar months, or the calendar year so far. */
export function windowMonthKeys(
  at: number,
  timeZone: string,
  window: TierProgram['window'] | { kind: 'rolling'; months: number },
): string[] {
  const end = local(at, timeZone).startOf('month');
  const count = window.kind === 'rolling' ? window.months : end.month;
  return Array.from({ length: count }, (_, index) => end.minus({ months: index }).toFormat('yyyy-MM'));
}

function sumMonths(state: TierState, keys: string[]): Omit<MonthActivity, 'days'> & { activeDays: number } {
  const total = { spend: 0, refunds: 0, orders: 0, points: 0, activeDays: 0 };
  for (const key of keys) {
    const month = state.activity[key];
    if (!month) continue;
    total.spend += month.spend;
    total.refunds += month.refunds;
    total.orders += month.orders;
    total.points += month.points;
    total.activeDays += month.days.length;
  }
  return total;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false;
}

export function computeValueScore(
  model: ValueScoreModel,
  state: TierState,
  facts: MemberFacts,
  at: number,
  timeZone: string,
): ValueScore {
  const window = sumMonths(state, windowMonthKeys(at, timeZone, { kind: 'rolling', months: model.windowMonths }));
  const net = Math.max(0, window.spend - window.refunds);
  const filled = model.accountTraits.filter((trait) => present(facts.traits[trait])).length;
  const verified = present(facts.traits[model.verifiedPhoneTrait]);
  const refundRate = window.spend > 0 ? window.refunds / window.spend : 0;
  const newcomerSince = local(at, timeZone).minus({ months: model.newcomerMonths }).toMillis();
  const dimensions = {
    consumption: Math.min(100, Math.floor((net * 100) / model.fullScoreSpend)),
    activity: Math.min(100, Math.floor((window.activeDays * 100) / model.fullScoreActiveDays)),
    account: Math.floor((filled * 50) / Math.max(1, model.accountTraits.length)) + (verified ? 50 : 0),
    // The epsilon keeps 1 − 0.4/0.5 = 0.19999999999999996 from flooring to 19.
    credit:
      window.spend > 0 ? Math.max(0, Math.floor(100 * (1 - refundRate / model.refundRateForNoCredit) + 1e-9)) : 100,
    newcomer: facts.firstSeenAt !== null && facts.firstSeenAt >= newcomerSince ? 100 : 0,
  };
  const weighted = (Object.keys(dimensions) as Array<keyof typeof dimensions>).reduce(
    (sum, name) => sum + dimensions[name] * model.weights[name],
    0,
  );
  // Weights are percents and dimensions 0–100: the sum is 0–10,000, shown as 0–1000.
  return { total: Math.floor(weighted / 10), dimensions };
}

export function qualifyingValue(
  tiers: TierProgram,
  model: ValueScoreModel,
  state: TierState,
  facts: MemberFacts,
  at: number,
  timeZone: string,
): number {
  if (tiers.basis === 'valueScore') return computeValueScore(model, state, facts, at, timeZone).total;
  const window = sumMonths(state, windowMonthKeys(at, timeZone, tiers.window));
  if (tiers.basis === 'pointsEarned') return window.points;
  if (tiers.basis === 'orders') return window.orders;
  return Math.max(0, window.spend - window.refunds);
}

/** The highest tier the value reaches; null below the first threshold. */
export function tierFor(levels: TierLevel[], value: number): TierLevel | null {
  let reached: TierLevel | null = null;
  for (const level of levels) if (value >= level.threshold) reached = level;
  return reached;
}

export function rankOf(levels: TierLevel[], tierId: string | null): number {
  return tierId === null ? -1 : levels.findIndex((level) => level.id === tierId);
}

function change(state: TierState, to: string | null, at: number, reason: string): void {
  state.history.push({ from: state.tierId, to, at, reason });
  state.tierId = to;
  state.since = at;
  state.downgrade = null;
}

/** On activity: a member who reaches a higher tier gets it at once; reaching theirs again cancels a pending downgrade. */
export function upgradeTier(tiers: TierProgram, state: TierState, value: number, at: number): void {
  const target = tierFor(tiers.levels, value);
  const targetRank = rankOf(tiers.levels, target?.id ?? null);
  const currentRank = rankOf(tiers.levels, state.tierId);
  if (targetRank > currentRank && target)
    change(state, target.id, at, `${tiers.basis} ${value} reached ${target.name} (${target.threshold})`);
  else if (targetRank === currentRank) state.downgrade = null;
}

/** Evaluation dates: the first of each month, or of each year for calendar-year tiers, at midnight locally. */
export function nextEvaluation(after: number, tiers: TierProgram, timeZone: string): number {
  const start = local(after, timeZone);
  const unit = tiers.window.kind === 'calendarYear' ? 'year' : 'month';
  const boundary = start.startOf(unit);
  return (boundary.toMillis() > after ? boundary : boundary.plus({ [`${unit}s`]: 1 })).toMillis();
}

/**
 * When `advanceTier` would next change something: a due downgrade, or the next evaluation of a
 * member who holds a tier. Null for a member without a tier or not yet evaluated.
 */
export function nextTierReview(tiers: TierProgram, state: TierState, timeZone: string): number | null {
  if (state.evaluatedTo === null || (state.tierId === null && !state.downgrade)) return null;
  const evaluation = nextEvaluation(state.evaluatedTo, tiers, timeZone);
  return state.downgrade ? Math.min(state.downgrade.at, evaluation) : evaluation;
}

/**
 * What time alone does to a tier up to `until`: at each evaluation date a member below their
 * tier is scheduled down (after the grace period, unless they re-qualify first), and a due
 * downgrade happens. Each change carries the date it became due.
 */
export function advanceTier(input: {
  tiers: TierProgram;
  model: ValueScoreModel;
  state: TierState;
  facts: MemberFacts;
  until: number;
  timeZone: string;
}): void {
  const { tiers, state, timeZone } = input;
  if (state.evaluatedTo === null) {
    state.evaluatedTo = input.until;
    return;
  }
  for (;;) {
    const evaluation = nextEvaluation(state.evaluatedTo, tiers, timeZone);
    const due = state.downgrade && state.downgrade.at <= input.until ? state.downgrade.at : null;
    const next = due !== null && due <= evaluation ? due : evaluation;
    if (next > input.until) break;
    state.evaluatedTo = next;
    const standing = (at: number) => {
      const value = qualifyingValue(tiers, input.model, state, input.facts, at, timeZone);
      const target = tierFor(tiers.levels, value);
      return { value, target, below: rankOf(tiers.levels, target?.id ?? null) < rankOf(tiers.levels, state.tierId) };
    };
    // A due downgrade asks whether the member is still below now; an evaluation judges the period
    // that just ended (on 1 January, last year). When both fall on one instant, both are applied.
    if (due !== null && next === due) {
      const now = standing(next);
      if (now.below)
        change(
          state,
          now.target?.id ?? null,
          next,
          `${tiers.basis} ${now.value} below the tier after the grace period`,
        );
      else state.downgrade = null;
    }
    if (next === evaluation && !state.downgrade) {
      const ended = standing(next - 1);
      if (ended.below && tiers.graceDays === 0) {
        change(state, ended.target?.id ?? null, next, `${tiers.basis} ${ended.value} below the tier at evaluation`);
      } else if (ended.below) {
        state.downgrade = { to: ended.target?.id ?? null, at: next + tiers.graceDays * dayMilliseconds };
      }
    }
  }
  state.evaluatedTo = input.until;
}

/** Months older than every window are of no further use. */
export function pruneActivity(state: TierState, at: number, timeZone: string, keepMonths: number): void {
  const oldest = local(at, timeZone).startOf('month').minus({ months: keepMonths }).toFormat('yyyy-MM');
  for (const key of Object.keys(state.activity)) if (key < oldest) delete state.activity[key];
}
