import { describe, expect, it } from 'vitest';
import { type TierProgram } from './tier-program.schema.ts';
import {
  advanceTier,
  qualifyingValue,
  recordActivity,
  upgradeTier,
  type MemberFacts,
  type TierState,
} from './tier-rules.ts';
import {
  may10,
  model,
  month,
  noFacts,
  shanghai,
  shanghaiTime,
  spendTiers,
  stateWith,
  tiers,
} from './tier-rules.fixtures.ts';

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
