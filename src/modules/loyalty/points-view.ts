import type { MemberPoints } from './loyalty-fold.ts';
import { addToTotals, balanceOf } from './points-totals.ts';
import { dayMilliseconds } from '../../platform/clock.ts';
import type { LoyaltyProgram } from './loyalty-program.schema.ts';
import { advanceLedger, availablePoints } from './points-ledger.ts';

export interface PointsSummary {
  balance: ReturnType<typeof balanceOf>;
  expiringSoon: Array<{ points: number; expiresAt: number }>;
}

/**
 * The member's points as of `now`. The stored ledger has applied time only up to the member's
 * last event; what time did since (windows closing, points expiring) is applied here, on a copy.
 */
export function viewPoints(member: MemberPoints, program: LoyaltyProgram | null, now: number): PointsSummary {
  const copy: MemberPoints = structuredClone(member);
  let counter = 0;
  for (const line of advanceLedger(copy.ledger, now, () => `view_${(counter += 1)}`)) addToTotals(copy.totals, line);
  const horizon = now + (program?.expiringSoonDays ?? 30) * dayMilliseconds;
  const byDate = new Map<number, number>();
  for (const lot of copy.ledger.lots) {
    if (lot.status !== 'active' || lot.remaining <= 0 || lot.expiresAt === null) continue;
    if (lot.expiresAt <= now || lot.expiresAt > horizon) continue;
    byDate.set(lot.expiresAt, (byDate.get(lot.expiresAt) ?? 0) + lot.remaining);
  }
  return {
    balance: balanceOf(copy.totals),
    expiringSoon: [...byDate.entries()].sort(([a], [b]) => a - b).map(([expiresAt, points]) => ({ points, expiresAt })),
  };
}

/** How many points an order can take: the program's share of the order, in whole steps, within the balance. */
export function quotePoints(member: MemberPoints, program: LoyaltyProgram | null, orderAmount: number, now: number) {
  const copy: MemberPoints = structuredClone(member);
  advanceLedger(copy.ledger, now, () => 'quote');
  const available = availablePoints(copy.ledger, now);
  const value = program?.pointValue ?? { points: 100, amount: 100 };
  const rules = program?.redemption ?? { maxOrderSharePercent: 100, minimumBalance: 0, step: 1 };
  const payable = Math.floor((orderAmount * rules.maxOrderSharePercent) / 100);
  const pointsForPayable = Math.floor((payable * value.points) / value.amount);
  const eligible = available >= rules.minimumBalance ? Math.max(0, Math.min(available, pointsForPayable)) : 0;
  const maxPoints = eligible - (eligible % rules.step);
  return { available, maxPoints, deduction: Math.floor((maxPoints * value.amount) / value.points) };
}
