import { describe, expect, it } from 'vitest';
import {
  emptyTierState,
  nextEvaluation,
  nextTierReview,
  rankOf,
  tierFor,
  upgradeTier,
  type TierState,
} from './tier-rules.ts';
import { day, may10, shanghai, shanghaiTime, spendTiers, stateWith, tiers } from './tier-rules.fixtures.ts';

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

describe('nextTierReview', () => {
  const monthly = tiers();

  it('is none for a member never evaluated or holding no tier', () => {
    expect(nextTierReview(monthly, emptyTierState(), shanghai)).toBeNull();
    expect(nextTierReview(monthly, { ...emptyTierState(), evaluatedTo: may10 }, shanghai)).toBeNull();
  });

  it('is the next evaluation for a tier holder, or an earlier due downgrade', () => {
    const holder: TierState = { ...emptyTierState(), tierId: 'diamond', since: may10, evaluatedTo: may10 };
    expect(nextTierReview(monthly, holder, shanghai)).toBe(shanghaiTime(2026, 6, 1));
    const downgrading = { ...holder, downgrade: { to: 'platinum', at: may10 + 3 * day } };
    expect(nextTierReview(monthly, downgrading, shanghai)).toBe(may10 + 3 * day);
    // A member who fell to no tier still has the downgrade to come.
    expect(nextTierReview(monthly, { ...downgrading, tierId: null }, shanghai)).toBe(may10 + 3 * day);
  });
});
