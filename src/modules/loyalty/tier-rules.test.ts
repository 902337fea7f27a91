import { describe, expect, it } from 'vitest';
import { tiersSchema, valueScoreSchema, type TierProgram, type ValueScoreModel } from './tier-program.schema.ts';
import {
  advanceTier,
  computeValueScore,
  emptyTierState,
  nextEvaluation,
  pruneActivity,
  qualifyingValue,
  rankOf,
  recordActivity,
  tierFor,
  upgradeTier,
  windowMonthKeys,
  type MemberFacts,
  type MonthActivity,
  type TierState,
} from './tier-rules.ts';

const day = 86_400_000;
const shanghai = 'Asia/Shanghai';

/** An instant given as wall-clock time in Shanghai (UTC+8, no daylight saving). */
function shanghaiTime(year: number, month: number, date: number, hour = 0, minute = 0): number {
  return Date.UTC(year, month - 1, date, hour - 8, minute);
}

/** 2026-05-10 12:00 in Shanghai. */
const may10 = shanghaiTime(2026, 5, 10, 12);

const model: ValueScoreModel = valueScoreSchema.parse({});
const noFacts: MemberFacts = { traits: {}, firstSeenAt: null };

function tiers(settings: Record<string, unknown> = {}): TierProgram {
  return tiersSchema.parse(settings);
}

/** Tiers on net spend over the last three months, with a base tier at 0. */
function spendTiers(settings: Record<string, unknown> = {}): TierProgram {
  return tiers({
    basis: 'spend',
    window: { kind: 'rolling', months: 3 },
    levels: [
      { id: 'silver', name: 'Silver', threshold: 0 },
      { id: 'gold', name: 'Gold', threshold: 10_000 },
      { id: 'diamond', name: 'Diamond', threshold: 50_000 },
    ],
    ...settings,
  });
}

function month(activity: Partial<MonthActivity> = {}): MonthActivity {
  return { spend: 0, refunds: 0, orders: 0, points: 0, days: [], ...activity };
}

function stateWith(activity: Record<string, MonthActivity>, tierId: string | null = null): TierState {
  return { ...emptyTierState(), tierId, since: tierId === null ? null : shanghaiTime(2026, 1, 1), activity };
}

/** The dimensions alone, for the default model and the member's activity. */
function dimensionsOf(state: TierState, facts: MemberFacts = noFacts, scoring: ValueScoreModel = model) {
  return computeValueScore(scoring, state, facts, may10, shanghai).dimensions;
}

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

describe('tierFor and rankOf', () => {
  const levels = tiers().levels;

  it('finds the highest tier the value reaches', () => {
    expect([0, 299, 300, 549, 550, 799, 800, 1000].map((value) => tierFor(levels, value)?.id)).toEqual([
      'silver',
      'silver',
      'platinum',
      'platinum',
      'diamond',
      'diamond',
      'black',
      'black',
    ]);
  });

  it('finds none below the first threshold', () => {
    const upper = tiers({ levels: [{ id: 'gold', name: 'Gold', threshold: 100 }] }).levels;
    expect(tierFor(upper, 99)).toBeNull();
    expect(tierFor(upper, 100)).toEqual({ id: 'gold', name: 'Gold', threshold: 100, benefits: [] });
  });

  it('ranks tiers by their position, and no tier (or an unknown one) at -1', () => {
    expect(['silver', 'platinum', 'diamond', 'black'].map((id) => rankOf(levels, id))).toEqual([0, 1, 2, 3]);
    expect(rankOf(levels, null)).toBe(-1);
    expect(rankOf(levels, 'gold')).toBe(-1);
  });
});

describe('upgradeTier', () => {
  const program = tiers();

  it('upgrades at once, with a history entry and its reason', () => {
    const state = emptyTierState();
    upgradeTier(program, state, 350, may10);
    expect(state).toEqual({
      ...emptyTierState(),
      tierId: 'platinum',
      since: may10,
      history: [{ from: null, to: 'platinum', at: may10, reason: 'valueScore 350 reached Platinum V2 (300)' }],
    });
  });

  it('skips straight to the highest tier reached', () => {
    const state = stateWith({}, 'silver');
    upgradeTier(spendTiers(), state, 62_000, may10);
    expect([state.tierId, state.since, state.history]).toEqual([
      'diamond',
      may10,
      [{ from: 'silver', to: 'diamond', at: may10, reason: 'spend 62000 reached Diamond (50000)' }],
    ]);
  });

  it('cancels a scheduled downgrade when the member reaches their tier again', () => {
    const state: TierState = { ...stateWith({}, 'diamond'), downgrade: { to: 'platinum', at: may10 + day } };
    upgradeTier(program, state, 560, may10);
    expect([state.tierId, state.since, state.downgrade, state.history]).toEqual([
      'diamond',
      shanghaiTime(2026, 1, 1),
      null,
      [],
    ]);
  });

  it('clears a scheduled downgrade when upgrading past the tier', () => {
    const state: TierState = { ...stateWith({}, 'diamond'), downgrade: { to: 'platinum', at: may10 + day } };
    upgradeTier(program, state, 900, may10);
    expect([state.tierId, state.downgrade, state.history.map((change) => [change.from, change.to])]).toEqual([
      'black',
      null,
      [['diamond', 'black']],
    ]);
  });

  it('never downgrades, and keeps a scheduled downgrade while still below', () => {
    const state: TierState = { ...stateWith({}, 'diamond'), downgrade: { to: 'platinum', at: may10 + day } };
    const before = structuredClone(state);
    upgradeTier(program, state, 320, may10);
    expect(state).toEqual(before);
    upgradeTier(program, state, 0, may10);
    expect(state).toEqual(before);
  });

  it('leaves a member without a tier alone below the first threshold', () => {
    const upper = tiers({ levels: [{ id: 'gold', name: 'Gold', threshold: 100 }] });
    const state = emptyTierState();
    upgradeTier(upper, state, 99, may10);
    expect(state).toEqual(emptyTierState());
  });
});

describe('nextEvaluation', () => {
  const monthly = tiers();
  const yearly = tiers({ window: { kind: 'calendarYear' } });

  it('is the first of the next month at local midnight', () => {
    expect(nextEvaluation(may10, monthly, shanghai)).toBe(shanghaiTime(2026, 6, 1));
    expect(nextEvaluation(shanghaiTime(2026, 6, 1) - 1, monthly, shanghai)).toBe(shanghaiTime(2026, 6, 1));
    expect(nextEvaluation(shanghaiTime(2026, 12, 31, 23), monthly, shanghai)).toBe(shanghaiTime(2027, 1, 1));
    // 30 April 17:00 UTC is already 1 May in Shanghai.
    expect(nextEvaluation(Date.UTC(2026, 3, 30, 17), monthly, shanghai)).toBe(Date.UTC(2026, 4, 31, 16));
    expect(nextEvaluation(Date.UTC(2026, 3, 30, 17), monthly, 'UTC')).toBe(Date.UTC(2026, 4, 1));
  });

  it('gives the following one exactly at a boundary', () => {
    expect(nextEvaluation(shanghaiTime(2026, 6, 1), monthly, shanghai)).toBe(shanghaiTime(2026, 7, 1));
    expect(nextEvaluation(shanghaiTime(2027, 1, 1), yearly, shanghai)).toBe(shanghaiTime(2028, 1, 1));
  });

  it('is the first of the next year for calendar-year tiers', () => {
    expect(nextEvaluation(may10, yearly, shanghai)).toBe(Date.UTC(2026, 11, 31, 16));
    expect(nextEvaluation(shanghaiTime(2027, 1, 1) - 1, yearly, shanghai)).toBe(shanghaiTime(2027, 1, 1));
  });

  it('keeps local midnight across daylight saving time', () => {
    // New York is UTC-5 in March before the switch and UTC-4 from April.
    expect(nextEvaluation(Date.UTC(2026, 2, 5), monthly, 'America/New_York')).toBe(Date.UTC(2026, 3, 1, 4));
    expect(nextEvaluation(Date.UTC(2026, 9, 20), monthly, 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 4));
    expect(nextEvaluation(Date.UTC(2026, 10, 20), monthly, 'America/New_York')).toBe(Date.UTC(2026, 11, 1, 5));
  });
});

describe('advanceTier', () => {
  /** A Gold member on the three-month spend tiers, whose only spend was in March 2026. */
  function goldMember(program: TierProgram, evaluatedTo: number | null = shanghaiTime(2026, 3, 20)): TierState {
    return { ...stateWith({ '2026-03': month({ spend: 12_000, orders: 1, days: [20] }) }, 'gold'), evaluatedTo };
  }

  function advance(program: TierProgram, state: TierState, until: number, facts: MemberFacts = noFacts): void {
    advanceTier({ tiers: program, model, state, facts, until, timeZone: shanghai });
  }

  const june1 = shanghaiTime(2026, 6, 1);
  const july1 = shanghaiTime(2026, 7, 1);

  it('only records how far it got on the first call', () => {
    const program = spendTiers();
    const state = goldMember(program, null);
    state.activity = {};
    advance(program, state, shanghaiTime(2026, 9, 15));
    expect(state).toEqual({ ...goldMember(program, shanghaiTime(2026, 9, 15)), activity: {} });
  });

  it('downgrades at an evaluation date without grace', () => {
    const program = spendTiers();
    const state = goldMember(program);
    // Each evaluation judges the three months that just ended; March is among them on 1 April
    // (Jan–Mar), 1 May (Feb–Apr) and 1 June (Mar–May): still Gold. 1 July judges Apr–Jun: nothing.
    advance(program, state, july1 - 1);
    expect([state.tierId, state.evaluatedTo, state.history]).toEqual(['gold', july1 - 1, []]);
    advance(program, state, july1);
    expect(state).toEqual({
      ...goldMember(program, july1),
      tierId: 'silver',
      since: july1,
      history: [{ from: 'gold', to: 'silver', at: july1, reason: 'spend 0 below the tier at evaluation' }],
    });
  });

  it('skips several months at once, each change at the date it fell due', () => {
    const program = spendTiers();
    const state: TierState = {
      ...stateWith(
        {
          '2026-01': month({ spend: 45_000 }),
          '2026-03': month({ spend: 10_000 }),
        },
        'diamond',
      ),
      evaluatedTo: shanghaiTime(2026, 3, 15),
    };
    advance(program, state, shanghaiTime(2026, 8, 20));
    // 1 April: Jan–Mar holds 55,000 → still Diamond. 1 May: Feb–Apr holds 10,000 → Gold.
    // 1 June: Mar–May still holds 10,000. 1 July: Apr–Jun holds nothing → Silver.
    expect(state.history).toEqual([
      {
        from: 'diamond',
        to: 'gold',
        at: shanghaiTime(2026, 5, 1),
        reason: 'spend 10000 below the tier at evaluation',
      },
      { from: 'gold', to: 'silver', at: july1, reason: 'spend 0 below the tier at evaluation' },
    ]);
    expect([state.tierId, state.since, state.evaluatedTo, state.downgrade]).toEqual([
      'silver',
      july1,
      shanghaiTime(2026, 8, 20),
      null,
    ]);
  });

  it('drops to no tier below the first threshold', () => {
    const program = tiers({
      basis: 'orders',
      window: { kind: 'rolling', months: 1 },
      levels: [{ id: 'gold', name: 'Gold', threshold: 1 }],
    });
    const state: TierState = {
      ...stateWith({ '2026-05': month({ orders: 1 }) }, 'gold'),
      evaluatedTo: may10,
    };
    // 1 June judges May, which had the order; 1 July judges June, which had none.
    advance(program, state, june1);
    expect([state.tierId, state.history]).toEqual(['gold', []]);
    advance(program, state, july1);
    expect([state.tierId, state.history]).toEqual([
      null,
      [{ from: 'gold', to: null, at: july1, reason: 'orders 0 below the tier at evaluation' }],
    ]);
  });

  it('with grace, schedules the downgrade and applies it at evaluation + graceDays if still below', () => {
    const program = spendTiers({ graceDays: 10 });
    const july11 = shanghaiTime(2026, 7, 11);
    const state = goldMember(program);
    // 1 June still judges Mar–May (Gold); 1 July judges Apr–Jun, below Gold: due on 11 July.
    advance(program, state, june1);
    expect([state.tierId, state.downgrade, state.history]).toEqual(['gold', null, []]);
    advance(program, state, july1);
    expect([state.tierId, state.downgrade, state.history]).toEqual(['gold', { to: 'silver', at: july11 }, []]);
    advance(program, state, july11 - 1);
    expect([state.tierId, state.downgrade]).toEqual(['gold', { to: 'silver', at: july11 }]);
    advance(program, state, july11);
    expect(state).toEqual({
      ...goldMember(program, july11),
      tierId: 'silver',
      since: july11,
      history: [{ from: 'gold', to: 'silver', at: july11, reason: 'spend 0 below the tier after the grace period' }],
    });
  });

  it('with grace, applies a downgrade that fell due in a skipped stretch at its date', () => {
    const program = spendTiers({ graceDays: 10 });
    const state = goldMember(program);
    // Scheduled on 1 July (Apr–Jun is empty), due on 11 July, between the 1 July and 1 August evaluations.
    advance(program, state, shanghaiTime(2026, 9, 1));
    expect([state.tierId, state.since, state.downgrade, state.evaluatedTo]).toEqual([
      'silver',
      shanghaiTime(2026, 7, 11),
      null,
      shanghaiTime(2026, 9, 1),
    ]);
    expect(state.history.map((change) => [change.from, change.to, change.at])).toEqual([
      ['gold', 'silver', shanghaiTime(2026, 7, 11)],
    ]);
  });

  it('with grace longer than a month, keeps the first scheduled date through later evaluations', () => {
    const program = spendTiers({ graceDays: 45 });
    const august15 = shanghaiTime(2026, 8, 15);
    const state = goldMember(program);
    // Scheduled on 1 July (+45 days: 15 August); 1 August, below again, keeps that date.
    advance(program, state, shanghaiTime(2026, 8, 1));
    expect([state.tierId, state.downgrade]).toEqual(['gold', { to: 'silver', at: august15 }]);
    advance(program, state, august15);
    expect([state.tierId, state.since, state.downgrade]).toEqual(['silver', august15, null]);
  });

  it('cancels the downgrade when the member re-qualifies during the grace period', () => {
    const program = spendTiers({ graceDays: 10 });
    const state = goldMember(program);
    advance(program, state, shanghaiTime(2026, 7, 5));
    expect(state.downgrade).toEqual({ to: 'silver', at: shanghaiTime(2026, 7, 11) });
    recordActivity(state, shanghaiTime(2026, 7, 5), shanghai, { spend: 10_000, orders: 1 });
    upgradeTier(
      program,
      state,
      qualifyingValue(program, model, state, noFacts, shanghaiTime(2026, 7, 5), shanghai),
      shanghaiTime(2026, 7, 5),
    );
    expect(state.downgrade).toBeNull();
    advance(program, state, shanghaiTime(2026, 7, 31));
    expect([state.tierId, state.downgrade, state.history]).toEqual(['gold', null, []]);
  });

  it('does not downgrade at the end of the grace period a member who is no longer below', () => {
    const program = spendTiers({ graceDays: 10 });
    const state = goldMember(program);
    // 1 July judges Apr–Jun, below Gold: the downgrade falls due on 11 July.
    advance(program, state, shanghaiTime(2026, 7, 5));
    expect(state.downgrade).toEqual({ to: 'silver', at: shanghaiTime(2026, 7, 11) });
    // Activity recorded without a review in between: the due date looks again, at its own instant.
    recordActivity(state, shanghaiTime(2026, 7, 6), shanghai, { spend: 15_000 });
    advance(program, state, shanghaiTime(2026, 7, 11));
    expect([state.tierId, state.downgrade, state.history, state.evaluatedTo]).toEqual([
      'gold',
      null,
      [],
      shanghaiTime(2026, 7, 11),
    ]);
  });

  it('applies a due downgrade and the evaluation that fall on the same instant', () => {
    // 30 days' grace from 1 June is 1 July, which is also an evaluation date.
    const program = spendTiers({ graceDays: 30 });
    const state: TierState = {
      ...stateWith({ '2026-03': month({ spend: 12_000 }) }, 'gold'),
      downgrade: { to: 'silver', at: july1 },
      evaluatedTo: june1,
    };
    // Spent in July, so on 1 July the due check (May–Jul) finds Gold again and cancels; the
    // evaluation of the period that ended (Apr–Jun, nothing) then schedules a new downgrade.
    state.activity['2026-07'] = month({ spend: 12_000 });
    advance(program, state, july1);
    expect([state.tierId, state.downgrade]).toEqual(['gold', { to: 'silver', at: shanghaiTime(2026, 7, 31) }]);
  });

  it('downgrades to where the member stands at the due date, not where they stood at evaluation', () => {
    const program = spendTiers({ graceDays: 10 });
    const state: TierState = {
      ...stateWith({ '2026-03': month({ spend: 60_000 }), '2026-05': month({ spend: 20_000 }) }, 'diamond'),
      evaluatedTo: may10,
    };
    // 1 June judges Mar–May (80,000): Diamond. 1 July judges Apr–Jun (20,000): Gold, due 11 July.
    advance(program, state, june1);
    expect([state.tierId, state.downgrade]).toEqual(['diamond', null]);
    advance(program, state, july1);
    expect(state.downgrade).toEqual({ to: 'gold', at: shanghaiTime(2026, 7, 11) });
    // On 11 July, May–Jul nets 20,000 − 20,000 = 0: Silver.
    recordActivity(state, shanghaiTime(2026, 7, 2), shanghai, { refunds: 20_000 });
    advance(program, state, shanghaiTime(2026, 7, 11));
    expect([state.tierId, state.history.map((change) => [change.from, change.to, change.at])]).toEqual([
      'silver',
      [['diamond', 'silver', shanghaiTime(2026, 7, 11)]],
    ]);
  });

  it('is idempotent for the same until', () => {
    for (const graceDays of [0, 10]) {
      const program = spendTiers({ graceDays });
      for (const until of [june1, shanghaiTime(2026, 6, 11), shanghaiTime(2026, 8, 15, 9)]) {
        const state = goldMember(program);
        advance(program, state, until);
        const once = structuredClone(state);
        advance(program, state, until);
        expect(state).toEqual(once);
      }
    }
  });

  it('evaluates the value score on the model, so an expiring newcomer bonus can downgrade', () => {
    const program = tiers();
    const facts = {
      traits: { email: 'ana@example.com', phone: '13800138000', phoneVerified: true },
      firstSeenAt: shanghaiTime(2026, 5, 1, 10),
    };
    const state: TierState = {
      ...stateWith({ '2026-05': month({ days: [1] }) }, 'platinum'),
      evaluatedTo: shanghaiTime(2026, 5, 1, 10),
    };
    // 351 while a newcomer (through the 1 August evaluation), 251 on 1 September.
    advance(program, state, shanghaiTime(2026, 8, 31, 23), facts);
    expect([state.tierId, state.history]).toEqual(['platinum', []]);
    advance(program, state, shanghaiTime(2026, 9, 1), facts);
    expect(state.history).toEqual([
      {
        from: 'platinum',
        to: 'silver',
        at: shanghaiTime(2026, 9, 1),
        reason: 'valueScore 251 below the tier at evaluation',
      },
    ]);
  });

  it('evaluates calendar-year tiers once a year', () => {
    const program = spendTiers({ window: { kind: 'calendarYear' } });
    const state: TierState = {
      ...stateWith({ '2026-02': month({ spend: 12_000 }) }, 'gold'),
      evaluatedTo: shanghaiTime(2026, 2, 10),
    };
    advance(program, state, shanghaiTime(2026, 12, 31, 23, 59));
    expect([state.tierId, state.history]).toEqual(['gold', []]);
    // 1 January judges the year that just ended: 2026 kept Gold; 2027, with nothing spent, does not.
    advance(program, state, shanghaiTime(2027, 1, 1));
    expect([state.tierId, state.history]).toEqual(['gold', []]);
    advance(program, state, shanghaiTime(2028, 1, 1));
    expect(state.history).toEqual([
      { from: 'gold', to: 'silver', at: shanghaiTime(2028, 1, 1), reason: 'spend 0 below the tier at evaluation' },
    ]);
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
