import type { MemberPoints } from './loyalty-fold.ts';
import type { LoyaltyProgram } from './loyalty-program.schema.ts';
import { nextLedgerChange } from './points-ledger.ts';
import { nextTierReview } from './tier-rules.ts';

/** The owner name of the loyalty stage's timers. */
export const loyaltyTimerOwner = 'loyalty';

/**
 * When time alone next changes the member's points or tier, so a clock tick applies it then,
 * even if the member never comes back; null when nothing is waiting on time.
 */
export function nextTimeDue(
  member: MemberPoints,
  program: LoyaltyProgram | undefined,
  timeZone: string,
): number | null {
  const ledger = nextLedgerChange(member.ledger);
  const tier = program?.tiers ? nextTierReview(program.tiers, member.tier, timeZone) : null;
  if (ledger === null) return tier;
  return tier === null ? ledger : Math.min(ledger, tier);
}
