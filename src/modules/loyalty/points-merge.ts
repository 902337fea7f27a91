import type { MemberPoints } from './loyalty-fold.ts';

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
}
