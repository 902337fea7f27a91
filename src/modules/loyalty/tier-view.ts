import { dayMilliseconds } from '../../platform/clock.ts';
import type { LoyaltyProgram } from './loyalty-program.schema.ts';
import type { TierLevel } from './tier-program.schema.ts';
import {
  advanceTier,
  computeValueScore,
  nextEvaluation,
  qualifyingValue,
  rankOf,
  tierFor,
  type MemberFacts,
  type TierChange,
  type TierState,
  type ValueScore,
} from './tier-rules.ts';

export interface TierView {
  tier: TierLevel | null;
  since: number | null;
  basis: string;
  qualifyingValue: number;
  valueScore: ValueScore;
  next: { tier: TierLevel; missing: number } | null;
  /** When the member would drop, and to what, if nothing changes before then. */
  downgrade: { to: TierLevel | null; at: number } | null;
  history: TierChange[];
}

/** The member's tier as of `now`, on a copy: time alone may have moved it since their last event. */
export function viewTier(
  program: LoyaltyProgram,
  tiers: NonNullable<LoyaltyProgram['tiers']>,
  stored: TierState,
  facts: MemberFacts,
  now: number,
  timeZone: string,
): TierView {
  const state: TierState = structuredClone(stored);
  advanceTier({ tiers, model: program.valueScore, state, facts, until: now, timeZone });
  const value = qualifyingValue(tiers, program.valueScore, state, facts, now, timeZone);
  const levelOf = (id: string | null) => tiers.levels.find((level) => level.id === id) ?? null;
  const current = levelOf(state.tierId);
  const following = tiers.levels[rankOf(tiers.levels, state.tierId) + 1];
  const reached = tierFor(tiers.levels, value);
  let downgrade: TierView['downgrade'] = null;
  if (state.downgrade) downgrade = { to: levelOf(state.downgrade.to), at: state.downgrade.at };
  else if (rankOf(tiers.levels, reached?.id ?? null) < rankOf(tiers.levels, state.tierId)) {
    downgrade = { to: reached, at: nextEvaluation(now, tiers, timeZone) + tiers.graceDays * dayMilliseconds };
  }
  return {
    tier: current,
    since: state.since,
    basis: tiers.basis,
    qualifyingValue: value,
    valueScore: computeValueScore(program.valueScore, state, facts, now, timeZone),
    next: following ? { tier: following, missing: Math.max(0, following.threshold - value) } : null,
    downgrade,
    history: state.history,
  };
}
