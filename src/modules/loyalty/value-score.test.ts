import { describe, expect, it } from 'vitest';
import { valueScoreSchema, type ValueScoreModel } from './tier-program.schema.ts';
import {
  computeValueScore,
  emptyTierState,
  pruneActivity,
  qualifyingValue,
  recordActivity,
  windowMonthKeys,
  type TierState,
} from './tier-rules.ts';
import {
  dimensionsOf,
  may10,
  model,
  month,
  noFacts,
  shanghai,
  shanghaiTime,
  stateWith,
  tiers,
} from './tier-rules.fixtures.ts';

describe('recordActivity', () => {
  it('buckets by the workspace-local month and day', () => {
    const state = emptyTierState();
    // 17:00 UTC on 30 April is 01:00 on 1 May in Shanghai.
    recordActivity(state, Date.UTC(2026, 3, 30, 17), shanghai, { spend: 12_000, orders: 1, points: 120 });
    expect(state.activity).toEqual({ '2026-05': { spend: 12_000, refunds: 0, orders: 1, points: 120, days: [1] } });

    const utc = emptyTierState();
    recordActivity(utc, Date.UTC(2026, 3, 30, 17), 'UTC', { spend: 12_000 });
    expect(utc.activity).toEqual({ '2026-04': { spend: 12_000, refunds: 0, orders: 0, points: 0, days: [30] } });
  });

  it('adds up a month and counts each active day once', () => {
    const state = emptyTierState();
    recordActivity(state, shanghaiTime(2026, 5, 1, 0, 0), shanghai, { spend: 10_000, orders: 1, points: 100 });
    recordActivity(state, shanghaiTime(2026, 5, 1, 23, 59), shanghai, { refunds: 2_500 });
    recordActivity(state, shanghaiTime(2026, 5, 15, 9), shanghai, { spend: 3_000, orders: 1, points: 30 });
    recordActivity(state, shanghaiTime(2026, 5, 15, 21), shanghai, {});
    recordActivity(state, shanghaiTime(2026, 6, 1), shanghai, { points: 5 });
    expect(state.activity).toEqual({
      '2026-05': { spend: 13_000, refunds: 2_500, orders: 2, points: 130, days: [1, 15] },
      '2026-06': { spend: 0, refunds: 0, orders: 0, points: 5, days: [1] },
    });
  });

  it('records an active day even when nothing is counted', () => {
    const state = emptyTierState();
    recordActivity(state, may10, shanghai, {});
    expect(state.activity).toEqual({ '2026-05': month({ days: [10] }) });
  });
});

describe('windowMonthKeys', () => {
  it('lists the last N months, the current one first, in the local calendar', () => {
    // 1 May 01:00 in Shanghai, still 30 April in UTC.
    const instant = Date.UTC(2026, 3, 30, 17);
    expect(windowMonthKeys(instant, shanghai, { kind: 'rolling', months: 3 })).toEqual([
      '2026-05',
      '2026-04',
      '2026-03',
    ]);
    expect(windowMonthKeys(instant, 'UTC', { kind: 'rolling', months: 3 })).toEqual(['2026-04', '2026-03', '2026-02']);
    expect(windowMonthKeys(instant, shanghai, { kind: 'rolling', months: 1 })).toEqual(['2026-05']);
  });

  it('crosses the turn of the year', () => {
    expect(windowMonthKeys(shanghaiTime(2026, 2, 28, 23), shanghai, { kind: 'rolling', months: 4 })).toEqual([
      '2026-02',
      '2026-01',
      '2025-12',
      '2025-11',
    ]);
  });

  it('covers the calendar year so far', () => {
    expect(windowMonthKeys(may10, shanghai, { kind: 'calendarYear' })).toEqual([
      '2026-05',
      '2026-04',
      '2026-03',
      '2026-02',
      '2026-01',
    ]);
    expect(windowMonthKeys(shanghaiTime(2026, 1, 1), shanghai, { kind: 'calendarYear' })).toEqual(['2026-01']);
    expect(windowMonthKeys(shanghaiTime(2026, 12, 31, 23, 59), shanghai, { kind: 'calendarYear' })).toHaveLength(12);
    // 31 Dec 2025 20:00 UTC is already 2026 in Shanghai.
    expect(windowMonthKeys(Date.UTC(2025, 11, 31, 20), shanghai, { kind: 'calendarYear' })).toEqual(['2026-01']);
  });
});

describe('computeValueScore', () => {
  describe('consumption', () => {
    it('scores net spend over fullScoreSpend', () => {
      expect(dimensionsOf(stateWith({ '2026-03': month({ spend: 300_000, refunds: 50_000 }) })).consumption).toBe(25);
      // 9,999 of 1,000,000 is 0.9999%: floored.
      expect(dimensionsOf(stateWith({ '2026-03': month({ spend: 9_999 }) })).consumption).toBe(0);
      expect(dimensionsOf(stateWith({ '2026-03': month({ spend: 10_000 }) })).consumption).toBe(1);
    });

    it('caps at 100 and never goes below 0', () => {
      expect(dimensionsOf(stateWith({ '2026-03': month({ spend: 2_500_000 }) })).consumption).toBe(100);
      expect(dimensionsOf(stateWith({ '2026-03': month({ spend: 1_000, refunds: 5_000 }) })).consumption).toBe(0);
    });

    it('adds up every month of the window', () => {
      const state = stateWith({
        '2025-06': month({ spend: 100_000 }),
        '2026-01': month({ spend: 200_000, refunds: 20_000 }),
        '2026-05': month({ spend: 220_000 }),
      });
      expect(dimensionsOf(state).consumption).toBe(50);
    });
  });

  describe('activity', () => {
    it('scores active days over fullScoreActiveDays, capped at 100', () => {
      const days = (count: number) => Array.from({ length: count }, (_, index) => index + 1);
      expect(dimensionsOf(stateWith({ '2026-05': month({ days: days(15) }) })).activity).toBe(25);
      // 7 of 60 days is 11.67%.
      expect(dimensionsOf(stateWith({ '2026-05': month({ days: days(7) }) })).activity).toBe(11);
      expect(
        dimensionsOf(stateWith({ '2026-04': month({ days: days(30) }), '2026-05': month({ days: days(30) }) }))
          .activity,
      ).toBe(100);
      expect(
        dimensionsOf(stateWith({ '2026-03': month({ days: days(31) }), '2026-04': month({ days: days(30) }) }))
          .activity,
      ).toBe(100);
      expect(dimensionsOf(stateWith({})).activity).toBe(0);
    });
  });

  describe('account', () => {
    it('gives the share of traits present ×50, and 50 for a verified phone', () => {
      const score = (traits: Record<string, unknown>) =>
        dimensionsOf(stateWith({}), { traits, firstSeenAt: null }).account;
      expect(score({})).toBe(0);
      // 1 of 6 → 8.33, floored.
      expect(score({ email: 'ana@example.com' })).toBe(8);
      expect(score({ email: 'ana@example.com', phone: '13800138000' })).toBe(16);
      expect(score({ email: 'a', phone: 'b', birthday: 'c' })).toBe(25);
      expect(score({ phoneVerified: true })).toBe(50);
      expect(score({ email: 'ana@example.com', phone: '13800138000', phoneVerified: true })).toBe(66);
      expect(
        score({ email: 'a', phone: 'b', birthday: '1990-01-01', name: 'Ana', gender: 'f', city: 0, phoneVerified: 1 }),
      ).toBe(100);
    });

    it('counts neither empty strings, null nor false, nor traits outside the list', () => {
      const score = (traits: Record<string, unknown>) =>
        dimensionsOf(stateWith({}), { traits, firstSeenAt: null }).account;
      expect(score({ email: '', phone: null, birthday: false, nickname: 'A', phoneVerified: false })).toBe(0);
      expect(score({ city: 'Hangzhou', phoneVerified: '' })).toBe(8);
    });

    it('uses the model’s trait list and verified-phone trait', () => {
      const custom = valueScoreSchema.parse({ accountTraits: ['email', 'wechat'], verifiedPhoneTrait: 'mobileOk' });
      const score = (traits: Record<string, unknown>) =>
        dimensionsOf(stateWith({}), { traits, firstSeenAt: null }, custom).account;
      expect(score({ email: 'a', phone: 'b', phoneVerified: true })).toBe(25);
      expect(score({ email: 'a', wechat: 'b', mobileOk: true })).toBe(100);
      const none = valueScoreSchema.parse({ accountTraits: [] });
      expect(dimensionsOf(stateWith({}), { traits: { phoneVerified: true }, firstSeenAt: null }, none).account).toBe(
        50,
      );
    });
  });

  describe('credit', () => {
    it('is 100 without spend in the window', () => {
      expect(dimensionsOf(stateWith({})).credit).toBe(100);
      expect(dimensionsOf(stateWith({ '2026-05': month({ days: [3] }) })).credit).toBe(100);
    });

    it('falls from 100 to 0 as the refund rate reaches refundRateForNoCredit', () => {
      const credit = (spend: number, refunds: number, scoring: ValueScoreModel = model) =>
        dimensionsOf(stateWith({ '2026-03': month({ spend, refunds }) }), noFacts, scoring).credit;
      expect(credit(10_000, 0)).toBe(100);
      // 10% refunded of a 50% limit: 100 × (1 − 0.2).
      expect(credit(10_000, 1_000)).toBe(80);
      expect(credit(10_000, 2_500)).toBe(50);
      expect(credit(10_000, 5_000)).toBe(0);
      expect(credit(10_000, 8_000)).toBe(0);
      expect(credit(10_000, 12_000)).toBe(0);
      // 1 of 3 refunded with a 100% limit: 100 × (1 − 1/3) = 66.7.
      expect(credit(3_000, 1_000, valueScoreSchema.parse({ refundRateForNoCredit: 1 }))).toBe(66);
    });

    // In doubles 1 − 0.4 / 0.5 is 0.19999999999999996: the score must still be 20, not 19.
    it('credit is exact when the refund rate divides evenly', () => {
      const credit = (spend: number, refunds: number) =>
        dimensionsOf(stateWith({ '2026-03': month({ spend, refunds }) })).credit;
      expect(credit(10_000, 4_000)).toBe(20);
      expect(credit(10_000, 4_500)).toBe(10);
      expect(credit(2_500, 700)).toBe(44);
    });
  });

  describe('newcomer', () => {
    it('gives 100 to members first seen within newcomerMonths', () => {
      const newcomer = (firstSeenAt: number | null, scoring: ValueScoreModel = model) =>
        dimensionsOf(stateWith({}), { traits: {}, firstSeenAt }, scoring).newcomer;
      expect(newcomer(shanghaiTime(2026, 5, 1))).toBe(100);
      // Exactly three local months before 10 May 12:00.
      expect(newcomer(shanghaiTime(2026, 2, 10, 12))).toBe(100);
      expect(newcomer(shanghaiTime(2026, 2, 10, 12) - 1)).toBe(0);
      expect(newcomer(shanghaiTime(2025, 1, 1))).toBe(0);
      expect(newcomer(null)).toBe(0);
      const sixMonths = valueScoreSchema.parse({ newcomerMonths: 6 });
      expect(newcomer(shanghaiTime(2026, 1, 1), sixMonths)).toBe(100);
      expect(newcomer(shanghaiTime(2025, 11, 10, 11), sixMonths)).toBe(0);
    });
  });

  describe('total', () => {
    it('weighs the dimensions: Σ dimension × weight / 10, floored', () => {
      const state = stateWith({
        '2026-03': month({ spend: 250_000, days: [1, 2, 3, 4] }),
        '2026-05': month({ days: [1, 2, 3] }),
      });
      const score = computeValueScore(
        model,
        state,
        { traits: { email: 'a', phone: 'b', city: 'c' }, firstSeenAt: null },
        may10,
        shanghai,
      );
      // (25×40 + 11×20 + 25×15 + 100×15 + 0×10) / 10 = 3095 / 10 = 309.5.
      expect(score).toEqual({
        total: 309,
        dimensions: { consumption: 25, activity: 11, account: 25, credit: 100, newcomer: 0 },
      });
    });

    it('matches the worked example of a new member', () => {
      const state = stateWith({ '2026-05': month({ days: [1] }) });
      const facts = {
        traits: { email: 'ana@example.com', phone: '13800138000', phoneVerified: true },
        firstSeenAt: shanghaiTime(2026, 5, 1, 10),
      };
      expect(computeValueScore(model, state, facts, may10, shanghai)).toEqual({
        total: 351,
        dimensions: { consumption: 0, activity: 1, account: 66, credit: 100, newcomer: 100 },
      });
    });

    it('ranges from 0 to 1000', () => {
      const worst = stateWith({ '2026-04': month({ spend: 10_000, refunds: 10_000 }) });
      expect(computeValueScore(model, worst, noFacts, may10, shanghai)).toEqual({
        total: 0,
        dimensions: { consumption: 0, activity: 0, account: 0, credit: 0, newcomer: 0 },
      });
      const best = stateWith({
        '2026-04': month({ spend: 600_000, days: Array.from({ length: 30 }, (_, index) => index + 1) }),
        '2026-05': month({ spend: 600_000, days: Array.from({ length: 30 }, (_, index) => index + 1) }),
      });
      const facts = {
        traits: { email: 'a', phone: 'b', birthday: 'c', name: 'd', gender: 'e', city: 'f', phoneVerified: true },
        firstSeenAt: shanghaiTime(2026, 4, 1),
      };
      expect(computeValueScore(model, best, facts, may10, shanghai).total).toBe(1000);
    });

    it('follows the model’s weights', () => {
      const state = stateWith({ '2026-03': month({ spend: 370_000 }) });
      const consumptionOnly = valueScoreSchema.parse({
        weights: { consumption: 100, activity: 0, account: 0, credit: 0, newcomer: 0 },
      });
      expect(computeValueScore(consumptionOnly, state, noFacts, may10, shanghai).total).toBe(370);
      const creditOnly = valueScoreSchema.parse({
        weights: { consumption: 0, activity: 0, account: 0, credit: 100, newcomer: 0 },
      });
      expect(computeValueScore(creditOnly, state, noFacts, may10, shanghai).total).toBe(1000);
    });

    it('ignores months outside the window', () => {
      const state = stateWith({
        '2025-04': month({ spend: 900_000, refunds: 900_000, days: [1, 2, 3] }),
        '2025-05': month({ spend: 900_000, refunds: 900_000, days: [1, 2, 3] }),
        '2025-06': month({ spend: 100_000, days: [1, 2, 3, 4, 5, 6] }),
        '2026-06': month({ spend: 900_000, days: [1] }),
      });
      expect(dimensionsOf(state)).toEqual({ consumption: 10, activity: 10, account: 0, credit: 100, newcomer: 0 });
      const lastMonth = valueScoreSchema.parse({ windowMonths: 1 });
      expect(dimensionsOf(state, noFacts, lastMonth)).toEqual({
        consumption: 0,
        activity: 0,
        account: 0,
        credit: 100,
        newcomer: 0,
      });
      // 1 May 01:00 in Shanghai: May is in the window, though it is still April in UTC.
      const mayOnly = stateWith({ '2026-05': month({ spend: 500_000 }) });
      expect(
        computeValueScore(lastMonth, mayOnly, noFacts, Date.UTC(2026, 3, 30, 17), shanghai).dimensions.consumption,
      ).toBe(50);
      expect(
        computeValueScore(lastMonth, mayOnly, noFacts, Date.UTC(2026, 3, 30, 17), 'UTC').dimensions.consumption,
      ).toBe(0);
    });
  });
});

describe('qualifyingValue', () => {
  const activity = {
    '2025-12': month({ spend: 100_000, refunds: 0, orders: 10, points: 1_000 }),
    '2026-02': month({ spend: 1_000, orders: 1, points: 10 }),
    '2026-03': month({ spend: 5_000, refunds: 1_000, orders: 2, points: 50 }),
    '2026-05': month({ spend: 2_000, orders: 1, points: 20, days: [10] }),
    '2026-06': month({ spend: 70_000, orders: 7, points: 700 }),
  };
  const value = (settings: Record<string, unknown>, state: TierState = stateWith(activity)) =>
    qualifyingValue(tiers(settings), model, state, noFacts, may10, shanghai);
  const rolling3 = { kind: 'rolling', months: 3 };
  const rolling6 = { kind: 'rolling', months: 6 };
  const calendarYear = { kind: 'calendarYear' };

  it('sums net spend over the window', () => {
    expect(value({ basis: 'spend', window: rolling3 })).toBe(6_000);
    expect(value({ basis: 'spend', window: rolling6 })).toBe(107_000);
    expect(value({ basis: 'spend', window: calendarYear })).toBe(7_000);
    expect(
      value({ basis: 'spend', window: rolling3 }, stateWith({ '2026-04': month({ spend: 100, refunds: 900 }) })),
    ).toBe(0);
  });

  it('sums orders over the window', () => {
    expect(value({ basis: 'orders', window: rolling3 })).toBe(3);
    expect(value({ basis: 'orders', window: rolling6 })).toBe(14);
    expect(value({ basis: 'orders', window: calendarYear })).toBe(4);
  });

  it('sums points earned over the window', () => {
    expect(value({ basis: 'pointsEarned', window: rolling3 })).toBe(70);
    expect(value({ basis: 'pointsEarned', window: rolling6 })).toBe(1_080);
    expect(value({ basis: 'pointsEarned', window: calendarYear })).toBe(80);
  });

  it('takes the value score over the model’s own window', () => {
    const facts = { traits: { phoneVerified: true }, firstSeenAt: null };
    const state = stateWith(activity);
    const expected = computeValueScore(model, state, facts, may10, shanghai);
    // 107,000 net of 1,000,000 → 10; 1 day of 60 → 1; verified phone → 50; 1,000 of 108,000 refunded → 98.
    // (10×40 + 1×20 + 50×15 + 98×15 + 0×10) / 10 = 264.
    expect(expected).toEqual({
      total: 264,
      dimensions: { consumption: 10, activity: 1, account: 50, credit: 98, newcomer: 0 },
    });
    for (const window of [rolling3, calendarYear]) {
      expect(qualifyingValue(tiers({ basis: 'valueScore', window }), model, state, facts, may10, shanghai)).toBe(264);
    }
  });

  it('is 0 without activity', () => {
    for (const basis of ['spend', 'orders', 'pointsEarned']) expect(value({ basis }, emptyTierState())).toBe(0);
  });
});

describe('pruneActivity', () => {
  const activity = () => ({
    '2025-12': month({ spend: 1 }),
    '2026-01': month({ spend: 2 }),
    '2026-02': month({ spend: 3 }),
    '2026-03': month({ spend: 4 }),
    '2026-05': month({ spend: 5 }),
  });

  it('keeps the current month and the N local months before it', () => {
    const state = stateWith(activity());
    pruneActivity(state, may10, shanghai, 3);
    expect(Object.keys(state.activity).sort()).toEqual(['2026-02', '2026-03', '2026-05']);
    pruneActivity(state, may10, shanghai, 0);
    expect(state.activity).toEqual({ '2026-05': month({ spend: 5 }) });
  });

  it('reads the month in the workspace time zone', () => {
    const shanghaiState = stateWith(activity());
    pruneActivity(shanghaiState, Date.UTC(2026, 3, 30, 17), shanghai, 2);
    expect(Object.keys(shanghaiState.activity).sort()).toEqual(['2026-03', '2026-05']);
    const utcState = stateWith(activity());
    pruneActivity(utcState, Date.UTC(2026, 3, 30, 17), 'UTC', 2);
    expect(Object.keys(utcState.activity).sort()).toEqual(['2026-02', '2026-03', '2026-05']);
  });

  it('keeps every month a window of N months reads', () => {
    const state = stateWith(activity());
    pruneActivity(state, may10, shanghai, 12);
    expect(Object.keys(state.activity)).toHaveLength(5);
    for (const months of [1, 2, 3, 4, 6]) {
      const pruned = stateWith(activity());
      pruneActivity(pruned, may10, shanghai, months);
      const read = windowMonthKeys(may10, shanghai, { kind: 'rolling', months }).filter((key) => key in activity());
      expect(read.every((key) => key in pruned.activity)).toBe(true);
    }
  });
});
