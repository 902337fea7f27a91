import { describe, expect, it } from 'vitest';
import { activationOf, expiryOf, localPeriods } from './point-dates.ts';

const day = 86_400_000;
const shanghai = 'Asia/Shanghai';
const newYork = 'America/New_York';
/** 2026-03-10 12:00 in Shanghai, 04:00 UTC. */
const march10 = Date.UTC(2026, 2, 10, 4);

const at = (iso: string): number => Date.parse(iso);

describe('expiryOf', () => {
  it('never expires points under kind never', () => {
    expect(expiryOf({ kind: 'never' }, march10, shanghai)).toBeNull();
    expect(expiryOf({ kind: 'never' }, march10, 'UTC')).toBeNull();
  });

  describe('rolling', () => {
    it.each([
      [1, '2026-04-10T04:00:00.000Z'],
      [12, '2027-03-10T04:00:00.000Z'],
      [24, '2028-03-10T04:00:00.000Z'],
      [120, '2036-03-10T04:00:00.000Z'],
    ])('expires %d months after the points were earned', (months, expected) => {
      expect(expiryOf({ kind: 'rolling', months }, march10, shanghai)).toBe(at(expected));
    });

    it.each([
      ['2026-01-31T04:00:00Z', 1, '2026-02-28T04:00:00.000Z'],
      ['2028-01-31T04:00:00Z', 1, '2028-02-29T04:00:00.000Z'],
      ['2026-01-31T04:00:00Z', 3, '2026-04-30T04:00:00.000Z'],
      ['2026-08-31T04:00:00Z', 1, '2026-09-30T04:00:00.000Z'],
      ['2028-02-29T04:00:00Z', 12, '2029-02-28T04:00:00.000Z'],
    ])('clamps to the last day of a shorter month: %s + %d months → %s', (earned, months, expected) => {
      expect(expiryOf({ kind: 'rolling', months }, at(earned), shanghai)).toBe(at(expected));
    });

    it('counts months on the workspace calendar', () => {
      // 2026-01-30T16:30Z is 31 January 00:30 in Shanghai, but still 30 January in UTC.
      const earned = at('2026-01-30T16:30:00Z');
      expect(expiryOf({ kind: 'rolling', months: 1 }, earned, shanghai)).toBe(at('2026-02-27T16:30:00.000Z'));
      expect(expiryOf({ kind: 'rolling', months: 1 }, earned, 'UTC')).toBe(at('2026-02-28T16:30:00.000Z'));
    });

    it('keeps the local time of day across a daylight-saving change', () => {
      // 1 March 12:00 EST (UTC-5) + 1 month = 1 April 12:00 EDT (UTC-4).
      const earned = at('2026-03-01T17:00:00Z');
      expect(expiryOf({ kind: 'rolling', months: 1 }, earned, newYork)).toBe(at('2026-04-01T16:00:00.000Z'));
      expect(expiryOf({ kind: 'rolling', months: 1 }, earned, 'UTC')).toBe(at('2026-04-01T17:00:00.000Z'));
    });
  });

  describe('endOfYear', () => {
    it.each([
      [shanghai, 0, Date.UTC(2026, 11, 31, 16)],
      [shanghai, 1, Date.UTC(2027, 11, 31, 16)],
      [shanghai, 10, Date.UTC(2036, 11, 31, 16)],
      ['UTC', 0, Date.UTC(2027, 0, 1)],
      ['UTC', 1, Date.UTC(2028, 0, 1)],
      [newYork, 0, Date.UTC(2027, 0, 1, 5)],
    ])('expires points earned 2026-03-10 in %s at the local end of the year, %d years on', (zone, years, expected) => {
      expect(expiryOf({ kind: 'endOfYear', years }, march10, zone)).toBe(expected);
    });

    it('gives exactly 2027-12-31T16:00:00Z for years 1 in Shanghai', () => {
      expect(new Date(expiryOf({ kind: 'endOfYear', years: 1 }, march10, shanghai) ?? 0).toISOString()).toBe(
        '2027-12-31T16:00:00.000Z',
      );
    });

    it('takes the year the points were earned in on the workspace calendar', () => {
      // 2026-12-31T16:00Z is already 2027 in Shanghai; one millisecond earlier is still 2026.
      const newYearShanghai = Date.UTC(2026, 11, 31, 16);
      expect(expiryOf({ kind: 'endOfYear', years: 0 }, newYearShanghai, shanghai)).toBe(Date.UTC(2027, 11, 31, 16));
      expect(expiryOf({ kind: 'endOfYear', years: 0 }, newYearShanghai - 1, shanghai)).toBe(newYearShanghai);
      expect(expiryOf({ kind: 'endOfYear', years: 0 }, newYearShanghai, 'UTC')).toBe(Date.UTC(2027, 0, 1));
    });

    it('expires points earned at the first instant of a year a full year (or more) later', () => {
      const newYearUtc = Date.UTC(2026, 0, 1);
      expect(expiryOf({ kind: 'endOfYear', years: 0 }, newYearUtc, 'UTC')).toBe(Date.UTC(2027, 0, 1));
      expect(expiryOf({ kind: 'endOfYear', years: 2 }, newYearUtc, 'UTC')).toBe(Date.UTC(2029, 0, 1));
    });
  });
});

describe('activationOf', () => {
  it('activates order points when the return window closes', () => {
    expect(activationOf(7, march10, true)).toBe(march10 + 7 * day);
    expect(activationOf(30, march10, true)).toBe(march10 + 30 * day);
  });

  it('activates at once with no return window', () => {
    expect(activationOf(0, march10, true)).toBe(march10);
  });

  it('activates points not from an order at once, whatever the return window', () => {
    expect(activationOf(7, march10, false)).toBe(march10);
    expect(activationOf(365, march10, false)).toBe(march10);
  });

  it('counts the window in whole 24-hour days', () => {
    // Across the New York spring-forward change: 7 × 24 hours, whatever the wall clock says.
    const earned = at('2026-03-05T17:00:00Z');
    expect(activationOf(7, earned, true)).toBe(at('2026-03-12T17:00:00.000Z'));
  });
});

describe('localPeriods', () => {
  it.each([
    ['2026-04-30T15:59:59.999Z', shanghai, '2026-04-30', '2026-04'],
    ['2026-04-30T16:00:00.000Z', shanghai, '2026-05-01', '2026-05'],
    ['2026-04-30T17:00:00.000Z', shanghai, '2026-05-01', '2026-05'],
    ['2026-04-30T17:00:00.000Z', 'UTC', '2026-04-30', '2026-04'],
    ['2026-04-30T23:59:59.999Z', 'UTC', '2026-04-30', '2026-04'],
    ['2026-05-01T00:00:00.000Z', 'UTC', '2026-05-01', '2026-05'],
    ['2026-12-31T16:00:00.000Z', shanghai, '2027-01-01', '2027-01'],
    ['2026-12-31T16:00:00.000Z', 'UTC', '2026-12-31', '2026-12'],
    ['2026-05-01T03:00:00.000Z', 'America/Los_Angeles', '2026-04-30', '2026-04'],
    ['2028-02-29T12:00:00.000Z', shanghai, '2028-02-29', '2028-02'],
  ])('puts %s in %s on day %s of month %s', (instant, zone, expectedDay, expectedMonth) => {
    expect(localPeriods(at(instant), zone)).toStrictEqual({ day: expectedDay, month: expectedMonth });
  });
});
