import type { MemberPoints } from './loyalty-fold.ts';
import type { TierState } from './tier-rules.ts';

/** Activity adds up month by month; the survivor keeps its tier (the next event re-evaluates it). */
function mergeTiers(survivor: TierState, merged: TierState): void {
  for (const [key, month] of Object.entries(merged.activity)) {
    const into = (survivor.activity[key] ??= { spend: 0, refunds: 0, orders: 0, points: 0, days: [] });
    into.spend += month.spend;
    into.refunds += month.refunds;
    into.orders += month.orders;
    into.points += month.points;
    into.days = [...new Set([...into.days, ...month.days])].sort((a, b) => a - b);
  }
  if (survivor.tierId === null && merged.tierId !== null) {
    survivor.tierId = merged.tierId;
    survivor.since = merged.since;
    survivor.downgrade = merged.downgrade;
  }
  survivor.history = [...survivor.history, ...merged.history].sort((a, b) => a.at - b.at);
  if (merged.evaluatedTo !== null && (survivor.evaluatedTo === null || merged.evaluatedTo < survivor.evaluatedTo)) {
    survivor.evaluatedTo = merged.evaluatedTo;
  }
}

/**
 * Two profiles found to be one person pool their points: lots, holds, debt and every total, so
 * the merged balance is the sum of both and each point keeps its own expiry.
 */
export function mergeMemberPoints(survivor: MemberPoints, merged: MemberPoints): void {
  survivor.ledger.lots.push(...merged.ledger.lots);
  survivor.ledger.reservations.push(...merged.ledger.reservations);
  survivor.ledger.debt += merged.ledger.debt;
  for (const key of Object.keys(survivor.totals) as Array<keyof MemberPoints['totals']>) {
    survivor.totals[key] += merged.totals[key];
  }
  survivor.advancedTo = Math.min(survivor.advancedTo, merged.advancedTo);
  mergeTiers(survivor.tier, merged.tier);
}
