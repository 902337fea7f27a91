import { DateTime } from 'luxon';
import type { LoyaltyProgram } from './loyalty-program.schema.ts';
import type { OutstandingPoints } from './points.repo.ts';

export interface Liability {
  points: { active: number; pending: number; reserved: number; debt: number; total: number };
  /** What the outstanding points are worth, in minor units of the workspace currency. */
  value: number;
  currency: string;
  expiringByMonth: Array<{ month: string; points: number }>;
  /** Of the points that have left the books, the share that expired unredeemed; null before any did. */
  breakageRate: number | null;
}

/**
 * The finance view of the program: points owed, their value at the program's point value, when
 * they fall due to expire (by month in the workspace time zone), and the breakage so far.
 */
export function computeLiability(input: {
  outstanding: OutstandingPoints;
  program: LoyaltyProgram | null;
  currency: string;
  timeZone: string;
  now: number;
  monthsAhead?: number;
}): Liability {
  const { outstanding } = input;
  const total = outstanding.active + outstanding.pending + outstanding.reserved - outstanding.debt;
  const pointValue = input.program?.pointValue ?? { points: 100, amount: 100 };
  const first = DateTime.fromMillis(input.now, { zone: input.timeZone }).startOf('month');
  const months = Array.from({ length: input.monthsAhead ?? 12 }, (_, index) =>
    first.plus({ months: index }).toFormat('yyyy-MM'),
  );
  const byMonth = new Map(months.map((month) => [month, 0]));
  for (const lot of outstanding.expiring) {
    const month = DateTime.fromMillis(lot.expiresAt, { zone: input.timeZone }).toFormat('yyyy-MM');
    if (byMonth.has(month)) byMonth.set(month, (byMonth.get(month) ?? 0) + lot.points);
  }
  const left = outstanding.lifetimeExpired + outstanding.lifetimeRedeemed;
  return {
    points: {
      active: outstanding.active,
      pending: outstanding.pending,
      reserved: outstanding.reserved,
      debt: outstanding.debt,
      total,
    },
    value: Math.floor((total * pointValue.amount) / pointValue.points),
    currency: input.currency,
    expiringByMonth: months.map((month) => ({ month, points: byMonth.get(month) ?? 0 })),
    breakageRate: left === 0 ? null : Math.round((outstanding.lifetimeExpired / left) * 10_000) / 10_000,
  };
}
