import { DateTime } from 'luxon';
import { dayMilliseconds } from '../../platform/clock.ts';
import type { Expiry } from './loyalty-program.schema.ts';

/**
 * When points earned at `earnedAt` expire. Month and year ends are taken in the workspace time
 * zone: "end of 2027" for a Shanghai brand is midnight in Shanghai, not in UTC.
 */
export function expiryOf(expiry: Expiry, earnedAt: number, timeZone: string): number | null {
  if (expiry.kind === 'never') return null;
  const earned = DateTime.fromMillis(earnedAt, { zone: timeZone });
  if (expiry.kind === 'rolling') return earned.plus({ months: expiry.months }).toMillis();
  return earned
    .startOf('year')
    .plus({ years: expiry.years + 1 })
    .toMillis();
}

/** Points from an order become spendable when its return window closes. */
export function activationOf(pendingDays: number, earnedAt: number, fromOrder: boolean): number {
  return fromOrder ? earnedAt + pendingDays * dayMilliseconds : earnedAt;
}

/** The workspace-local day and month an instant falls in, for per-day and per-month caps. */
export function localPeriods(instant: number, timeZone: string): { day: string; month: string } {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  return { day: local.toISODate() ?? '', month: local.toFormat('yyyy-MM') };
}
