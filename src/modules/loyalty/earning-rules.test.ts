import { describe, expect, it } from 'vitest';
import { evaluateEarningRules, type EarningEvent } from './earning-rules.ts';
import { diamond, evaluate, order, perYuan, pointsOf, program, rule, shanghai } from './earning-rules.fixtures.ts';

describe('fixed awards', () => {
  it('gives the fixed points for the rule event, with the rule name as the reason', () => {
    const earnings = evaluate(
      program([rule('review', { kind: 'fixed', points: 50 }, { name: 'Review bonus', event: 'Product Reviewed' })]),
      order({ name: 'Product Reviewed', amount: null }),
    );
    expect(earnings).toStrictEqual([{ ruleId: 'review', points: 50, uncapped: 50, reason: 'Review bonus' }]);
  });

  it('multiplies fixed points by the rule multiplier', () => {
    const reviews = program([
      rule('review', { kind: 'fixed', points: 50 }, { event: 'Product Reviewed' }),
      rule(
        'review-diamond',
        { kind: 'fixed', points: 50 },
        { event: 'Product Reviewed', multiplier: 2, conditions: [{ field: 'tier', op: 'eq', value: 'Diamond' }] },
      ),
      rule('review-quarter', { kind: 'fixed', points: 8 }, { event: 'Product Reviewed', multiplier: 1.25 }),
    ]);
    const event = order({ name: 'Product Reviewed' });
    expect(pointsOf(evaluate(reviews, event, { member: diamond }))).toStrictEqual({
      review: 50,
      'review-diamond': 100,
      'review-quarter': 10,
    });
    expect(pointsOf(evaluate(reviews, event))).toStrictEqual({ review: 50, 'review-quarter': 10 });
  });

  it('gives fixed points whether or not the event carries an amount', () => {
    const fixed = program([rule('visit', { kind: 'fixed', points: 5 })]);
    expect(pointsOf(evaluate(fixed, order({ amount: null })))).toStrictEqual({ visit: 5 });
    expect(pointsOf(evaluate(fixed, order({ amount: 0 })))).toStrictEqual({ visit: 5 });
  });

  it('rounds a fractional fixed award the way the program rounds', () => {
    const halfAgain = [rule('visit', { kind: 'fixed', points: 5 }, { multiplier: 1.5 })];
    expect(pointsOf(evaluate(program(halfAgain, { rounding: 'floor' }), order()))).toStrictEqual({ visit: 7 });
    expect(pointsOf(evaluate(program(halfAgain, { rounding: 'round' }), order()))).toStrictEqual({ visit: 8 });
    expect(pointsOf(evaluate(program(halfAgain, { rounding: 'ceil' }), order()))).toStrictEqual({ visit: 8 });
  });
});

describe('which rules apply', () => {
  it('skips rules for other events, and every rule when the event has no name', () => {
    const rules = program([
      rule('order', perYuan),
      rule('review', { kind: 'fixed', points: 5 }, { event: 'Product Reviewed' }),
    ]);
    expect(pointsOf(evaluate(rules, order()))).toStrictEqual({ order: 123 });
    expect(pointsOf(evaluate(rules, order({ name: 'Product Reviewed' })))).toStrictEqual({ review: 5 });
    expect(evaluate(rules, order({ name: 'order completed' }))).toStrictEqual([]);
    expect(evaluate(rules, order({ name: null }))).toStrictEqual([]);
  });

  it('skips disabled rules', () => {
    const rules = program([rule('off', perYuan, { enabled: false }), rule('on', { kind: 'fixed', points: 7 })]);
    expect(evaluate(rules, order())).toStrictEqual([{ ruleId: 'on', points: 7, uncapped: 7, reason: 'Rule on' }]);
  });

  it('needs every condition to hold', () => {
    const rules = program([
      rule('tmall-gold', perYuan, {
        conditions: [
          { field: 'channel', op: 'eq', value: 'tmall' },
          { field: 'tier', op: 'in', value: ['Gold', 'Diamond'] },
        ],
      }),
    ]);
    expect(pointsOf(evaluate(rules, order(), { member: diamond }))).toStrictEqual({ 'tmall-gold': 123 });
    expect(evaluate(rules, order({ channel: 'jd' }), { member: diamond })).toStrictEqual([]);
    expect(evaluate(rules, order())).toStrictEqual([]);
  });

  it('gives nothing, not a zero earning, when the rule works out to no points', () => {
    const rules = program([
      rule('floor', perYuan),
      rule('ceil-only', { kind: 'perProduct', match: { category: 'Toys' }, points: 1, per: 100 }),
    ]);
    expect(evaluate(rules, order({ amount: 99 }))).toStrictEqual([]);
    expect(evaluate(rules, order({ amount: null }))).toStrictEqual([]);
    expect(evaluate(rules, order({ amount: 0 }))).toStrictEqual([]);
    expect(evaluate(rules, order({ amount: -5_000 }))).toStrictEqual([]);
  });

  it('adds up every rule that applies, in program order', () => {
    const rules = program([
      rule('base', perYuan, { name: 'Base' }),
      rule(
        'first-order',
        { kind: 'fixed', points: 200 },
        { conditions: [{ field: 'features.orderCount', op: 'eq', value: 0 }] },
      ),
      rule('app', { kind: 'fixed', points: 20 }, { conditions: [{ field: 'channel', op: 'eq', value: 'app' }] }),
      rule('diamond', perYuan, { multiplier: 2, conditions: [{ field: 'tier', op: 'eq', value: 'diamond' }] }),
    ]);
    const earnings = evaluate(rules, order(), { member: { traits: {}, features: { orderCount: 0 }, tier: 'Diamond' } });
    expect(earnings.map((earning) => earning.ruleId)).toStrictEqual(['base', 'first-order', 'diamond']);
    expect(pointsOf(earnings)).toStrictEqual({ base: 123, 'first-order': 200, diamond: 246 });
    expect(earnings.reduce((sum, earning) => sum + earning.points, 0)).toBe(569);
  });
});

describe('perAmount awards', () => {
  it.each([
    [12_345, 'floor', 123],
    [12_345, 'round', 123],
    [12_345, 'ceil', 124],
    [12_350, 'floor', 123],
    [12_350, 'round', 124],
    [12_350, 'ceil', 124],
    [12_349, 'round', 123],
    [12_300, 'floor', 123],
    [12_300, 'round', 123],
    [12_300, 'ceil', 123],
    [1, 'floor', 0],
    [1, 'ceil', 1],
    [49, 'round', 0],
    [50, 'round', 1],
  ])('gives 1 point per 1.00 of %d minor units rounding by %s: %d', (amount, rounding, expected) => {
    const earnings = evaluate(program([rule('base', perYuan)], { rounding }), order({ amount }));
    expect(pointsOf(earnings)).toStrictEqual(expected === 0 ? {} : { base: expected });
  });

  it.each([
    ['floor', 37],
    ['round', 37],
    ['ceil', 38],
  ])('gives 3 points per 10.00 of 123.45 rounding by %s: %d', (rounding, expected) => {
    const rules = program([rule('base', { kind: 'perAmount', points: 3, per: 1_000 })], { rounding });
    expect(pointsOf(evaluate(rules, order({ amount: 12_345 })))).toStrictEqual({ base: expected });
  });

  it.each([
    ['floor', 370],
    ['round', 370],
    ['ceil', 371],
  ])('multiplies the award multiplier by the rule multiplier and rounds once (%s)', (rounding, expected) => {
    // 123.45 × 1.5 × 2 = 370.35
    const rules = program([rule('base', { ...perYuan, multiplier: 1.5 }, { multiplier: 2 })], { rounding });
    expect(evaluate(rules, order({ amount: 12_345 }))).toStrictEqual([
      { ruleId: 'base', points: expected, uncapped: expected, reason: 'Rule base' },
    ]);
  });

  it('counts in integers: 100.00 × 0.9 × 0.7 is 63, not 62.99…', () => {
    const rules = program([rule('base', { ...perYuan, multiplier: 0.9 }, { multiplier: 0.7 })]);
    expect(pointsOf(evaluate(rules, order({ amount: 10_000 })))).toStrictEqual({ base: 63 });
    expect(pointsOf(evaluate(program(rules.earning, { rounding: 'ceil' }), order({ amount: 10_000 })))).toStrictEqual({
      base: 63,
    });
  });

  it('stays exact when the intermediate product passes 2^53', () => {
    // 3,000,000,000,001 × 7 × 101 / 3 / 100 = 7,070,000,000,002.3566…
    const rules = program([rule('base', { kind: 'perAmount', points: 7, per: 3 }, { multiplier: 1.01 })]);
    expect(pointsOf(evaluate(rules, order({ amount: 3_000_000_000_001 })))).toStrictEqual({ base: 7_070_000_000_002 });
  });
});

describe('perProduct awards', () => {
  const lines: EarningEvent['lines'] = [
    { category: 'DIAPERS', productId: 'p1', sku: 'SKU-1', amount: 8_000 },
    { category: 'diapers', productId: 'p2', sku: 'SKU-2', amount: 1_990 },
    { category: 'Toys', productId: 'p3', sku: 'SKU-3', amount: 2_355 },
    { productId: 'p4', amount: 300 },
  ];

  it('counts only the lines of the category, whatever its case', () => {
    const rules = program([
      rule('diapers', { kind: 'perProduct', match: { category: 'Diapers' }, points: 1, per: 100 }),
    ]);
    // 80.00 + 19.90 = 99.90 → 99 points (floor), not 123 on the order total.
    expect(evaluate(rules, order({ lines }))).toStrictEqual([
      { ruleId: 'diapers', points: 99, uncapped: 99, reason: 'Rule diapers' },
    ]);
  });

  it('matches productId and sku exactly, and needs every key of the match', () => {
    const award = (match: Record<string, string>) => ({ kind: 'perProduct', match, points: 1, per: 10 });
    const rules = program([
      rule('by-product', award({ productId: 'p3' })),
      rule('by-sku', award({ sku: 'SKU-2' })),
      rule('sku-case', award({ sku: 'sku-2' })),
      rule('both', award({ category: 'diapers', sku: 'SKU-1' })),
      rule('clash', award({ category: 'Toys', sku: 'SKU-1' })),
      rule('no-category', award({ category: 'Other' })),
    ]);
    expect(pointsOf(evaluate(rules, order({ lines })))).toStrictEqual({
      'by-product': 235,
      'by-sku': 199,
      both: 800,
    });
  });

  it('gives nothing when no line matches or the order has no lines', () => {
    const rules = program([
      rule('diapers', { kind: 'perProduct', match: { category: 'Diapers' }, points: 1, per: 100 }),
    ]);
    expect(evaluate(rules, order({ lines: [{ category: 'Toys', amount: 5_000 }] }))).toStrictEqual([]);
    expect(evaluate(rules, order({ lines: [] }))).toStrictEqual([]);
  });
});

describe('dates in the workspace time zone', () => {
  const campaign = program([
    rule('base', perYuan),
    rule('diamond-x2', perYuan, { multiplier: 2, conditions: [{ field: 'tier', op: 'eq', value: 'Diamond' }] }),
    rule(
      'may-diapers-x3',
      { kind: 'perProduct', match: { category: 'Diapers' }, points: 1, per: 100 },
      { multiplier: 3, from: '2026-05-01', until: '2026-05-31' },
    ),
  ]);
  const lines: EarningEvent['lines'] = [
    { category: 'DIAPERS', amount: 8_000 },
    { category: 'diapers', amount: 1_990 },
    { category: 'Toys', amount: 2_355 },
  ];

  it('applies a May rule to an event at 2026-04-30T17:00:00Z in Shanghai, where it is 1 May', () => {
    const event = order({ eventTime: Date.parse('2026-04-30T17:00:00Z'), lines });
    // 123.45 → 123; × 2 → 246.9 → 246; 99.90 × 3 → 299.7 → 299.
    expect(pointsOf(evaluate(campaign, event, { member: diamond }))).toStrictEqual({
      base: 123,
      'diamond-x2': 246,
      'may-diapers-x3': 299,
    });
    expect(pointsOf(evaluate(campaign, event, { member: diamond, timeZone: 'UTC' }))).toStrictEqual({
      base: 123,
      'diamond-x2': 246,
    });
  });

  it('rounds every rule by the program rounding', () => {
    const event = order({ eventTime: Date.parse('2026-04-30T17:00:00Z'), lines });
    expect(
      pointsOf(evaluate(program(campaign.earning, { rounding: 'round' }), event, { member: diamond })),
    ).toStrictEqual({
      base: 123,
      'diamond-x2': 247,
      'may-diapers-x3': 300,
    });
  });

  it.each([
    ['2026-04-30T15:59:59.999Z', false],
    ['2026-04-30T16:00:00.000Z', true],
    ['2026-05-31T15:59:59.999Z', true],
    ['2026-05-31T16:00:00.000Z', false],
  ])('includes the whole of both end days in Shanghai: %s → %s', (instant, applies) => {
    const earnings = evaluate(campaign, order({ eventTime: Date.parse(instant), lines }));
    expect(earnings.some((earning) => earning.ruleId === 'may-diapers-x3')).toBe(applies);
  });

  it('takes an open-ended from or until as unbounded on that side', () => {
    const rules = program([
      rule('since', { kind: 'fixed', points: 1 }, { from: '2026-05-01' }),
      rule('through', { kind: 'fixed', points: 2 }, { until: '2026-04-30' }),
    ]);
    expect(pointsOf(evaluate(rules, order({ eventTime: Date.parse('2026-04-30T15:00:00Z') })))).toStrictEqual({
      through: 2,
    });
    expect(pointsOf(evaluate(rules, order({ eventTime: Date.parse('2036-01-01T00:00:00Z') })))).toStrictEqual({
      since: 1,
    });
    expect(pointsOf(evaluate(rules, order({ eventTime: Date.parse('2026-04-30T17:00:00Z') })))).toStrictEqual({
      since: 1,
    });
  });
});

describe('budgets and caps', () => {
  const limited = " (limited from 123 by the rule's budget or caps)";

  it('keeps points under every limit as they are', () => {
    const rules = program([
      rule('base', perYuan, { budget: 10_000, caps: { perMemberPerDay: 200, perMemberPerMonth: 1_000 } }),
    ]);
    expect(
      evaluate(rules, order(), { usage: { base: { total: 9_000, memberDay: 77, memberMonth: 877 } } }),
    ).toStrictEqual([{ ruleId: 'base', points: 123, uncapped: 123, reason: 'Rule base' }]);
  });

  it.each([
    ['budget', { budget: 1_000 }, { total: 990 }, 10],
    ['budget, exhausted', { budget: 1_000 }, { total: 1_000 }, 0],
    ['budget, overspent', { budget: 1_000 }, { total: 1_200 }, 0],
    ['per day', { caps: { perMemberPerDay: 100 } }, { memberDay: 60 }, 40],
    ['per day, exhausted', { caps: { perMemberPerDay: 100 } }, { memberDay: 100 }, 0],
    ['per month', { caps: { perMemberPerMonth: 500 } }, { memberMonth: 450 }, 50],
    ['per month, exhausted', { caps: { perMemberPerMonth: 500 } }, { memberMonth: 500 }, 0],
    [
      'the tightest of all',
      { budget: 1_000, caps: { perMemberPerDay: 100, perMemberPerMonth: 500 } },
      { total: 970, memberDay: 50, memberMonth: 400 },
      30,
    ],
    [
      'the day cap below the month cap',
      { budget: 1_000, caps: { perMemberPerDay: 100, perMemberPerMonth: 500 } },
      { total: 0, memberDay: 95, memberMonth: 400 },
      5,
    ],
  ])('limits the points to what is left: %s', (_, limits, usage, expected) => {
    const rules = program([rule('base', perYuan, limits)]);
    expect(evaluate(rules, order(), { usage: { base: usage } })).toStrictEqual([
      { ruleId: 'base', points: expected, uncapped: 123, reason: `Rule base${limited}` },
    ]);
  });

  it('does not call it limited when exactly the points are left', () => {
    const rules = program([rule('base', perYuan, { budget: 1_000, caps: { perMemberPerDay: 123 } })]);
    expect(evaluate(rules, order(), { usage: { base: { total: 877 } } })).toStrictEqual([
      { ruleId: 'base', points: 123, uncapped: 123, reason: 'Rule base' },
    ]);
  });

  it('limits the multiplied points, and each rule only by its own usage', () => {
    const rules = program([
      rule('base', perYuan, { budget: 50 }),
      rule('diamond', perYuan, { multiplier: 2, caps: { perMemberPerDay: 300 } }),
      rule('review', { kind: 'fixed', points: 5 }, { event: 'Product Reviewed', budget: 1 }),
    ]);
    const asked: string[] = [];
    const earnings = evaluateEarningRules({
      program: rules,
      event: order(),
      member: diamond,
      timeZone: shanghai,
      usageOf: (ruleId) => {
        asked.push(ruleId);
        return ruleId === 'diamond'
          ? { total: 10_000, memberDay: 100, memberMonth: 9_000 }
          : { total: 0, memberDay: 0, memberMonth: 0 };
      },
    });
    expect(earnings).toStrictEqual([
      { ruleId: 'base', points: 50, uncapped: 123, reason: `Rule base${limited}` },
      {
        ruleId: 'diamond',
        points: 200,
        uncapped: 246,
        reason: "Rule diamond (limited from 246 by the rule's budget or caps)",
      },
    ]);
    // Usage is read only for rules that give points.
    expect(asked).toStrictEqual(['base', 'diamond']);
  });
});
