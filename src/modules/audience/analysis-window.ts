import { DateTime, IANAZone } from 'luxon';
import { dayMilliseconds } from '../../platform/clock.ts';

/** `2006-12-31` (a day in the workspace time zone) or an ISO-8601 instant. */
export type DayOrInstant = string;

export interface AnalysisWindow {
  /** Orders completed at or after this instant count (no lower bound when null). */
  from: number | null;
  /** …and before this one: the end of the `asOf` day, or the `asOf` instant itself. */
  until: number;
  /** The analysis day, as a local day number (days since 1970-01-01 in the time zone). */
  asOfDay: number;
}

function isDay(value: DayOrInstant): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value);
}

function startOfDay(value: DayOrInstant, timeZone: string): number {
  return DateTime.fromISO(value, { zone: timeZone }).startOf('day').toMillis();
}

/** The local calendar day an instant falls on, as a number, so day differences are plain subtraction. */
export function localDayNumber(instant: number, zone: IANAZone): number {
  return Math.floor((instant + zone.offset(instant) * 60_000) / dayMilliseconds);
}

/**
 * An analysis "as of" a day takes that whole day in; recency counts calendar days in the
 * workspace time zone, as an analyst holding order dates (not times) would.
 */
export function resolveWindow(input: { asOf: DayOrInstant; since?: DayOrInstant | undefined }, timeZone: string) {
  const zone = IANAZone.create(timeZone);
  const until = isDay(input.asOf)
    ? DateTime.fromISO(input.asOf, { zone: timeZone }).plus({ days: 1 }).startOf('day').toMillis()
    : Date.parse(input.asOf) + 1;
  const from =
    input.since === undefined ? null : isDay(input.since) ? startOfDay(input.since, timeZone) : Date.parse(input.since);
  const window: AnalysisWindow = { from, until, asOfDay: localDayNumber(until - 1, zone) };
  return { window, zone };
}
