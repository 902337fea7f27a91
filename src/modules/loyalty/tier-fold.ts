import type { EarningMember } from './earning-rules.ts';
import type { LoyaltyProgram } from './loyalty-program.schema.ts';
import {
  advanceTier,
  pruneActivity,
  qualifyingValue,
  upgradeTier,
  windowMonthKeys,
  type MemberFacts,
  type TierState,
} from './tier-rules.ts';

/** What the value score needs of the member as profiles holds it. */
export function memberFacts(view: EarningMember): MemberFacts {
  const first = view.features.firstSeenAt;
  const firstSeenAt = typeof first === 'string' ? Date.parse(first) : typeof first === 'number' ? first : NaN;
  return { traits: view.traits, firstSeenAt: Number.isFinite(firstSeenAt) ? firstSeenAt : null };
}

/** The facts the score reads, kept with the tier so a later evaluation sees what the log said then. */
export function keepFacts(tier: TierState, view: EarningMember, program: LoyaltyProgram | undefined): MemberFacts {
  const all = memberFacts(view);
  const wanted = program ? [...program.valueScore.accountTraits, program.valueScore.verifiedPhoneTrait] : [];
  const traits: Record<string, unknown> = {};
  for (const name of wanted) if (all.traits[name] !== undefined) traits[name] = all.traits[name];
  tier.facts = { traits, firstSeenAt: all.firstSeenAt };
  return tier.facts;
}

export function advanceMemberTier(
  program: LoyaltyProgram | undefined,
  tier: TierState,
  facts: MemberFacts,
  until: number,
  timeZone: string,
): void {
  if (!program?.tiers) return;
  advanceTier({ tiers: program.tiers, model: program.valueScore, state: tier, facts, until, timeZone });
}

/** After an event's activity is recorded: an upgrade happens at once, and old months are dropped. */
export function reviewTier(
  program: LoyaltyProgram | undefined,
  tier: TierState,
  facts: MemberFacts,
  at: number,
  timeZone: string,
): void {
  const keep = Math.max(
    program?.valueScore.windowMonths ?? 12,
    program?.tiers?.window.kind === 'rolling' ? program.tiers.window.months : 12,
  );
  pruneActivity(tier, at, timeZone, keep + 1);
  if (!program?.tiers) return;
  upgradeTier(program.tiers, tier, qualifyingValue(program.tiers, program.valueScore, tier, facts, at, timeZone), at);
}

export { windowMonthKeys };
