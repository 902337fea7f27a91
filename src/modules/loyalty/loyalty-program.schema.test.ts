import { describe, expect, it } from 'vitest';
import { loyaltyProgramSchema } from './loyalty-program.schema.ts';
import { defaults, issuesOf, rule, withRule } from './loyalty-program.fixtures.ts';

describe('defaults', () => {
  it('fills every default into an empty document', () => {
    expect(loyaltyProgramSchema.parse({})).toStrictEqual(defaults);
  });

  it('fills the remaining redemption defaults around the fields given', () => {
    expect(loyaltyProgramSchema.parse({ redemption: { step: 10 } }).redemption).toStrictEqual({
      maxOrderSharePercent: 100,
      minimumBalance: 0,
      step: 10,
      reservationMinutes: 15,
    });
  });

  it('gives a rule no conditions and enables it unless told otherwise, keeping every field given', () => {
    const parsed = loyaltyProgramSchema.parse({
      name: 'Stars',
      rounding: 'ceil',
      expiry: { kind: 'endOfYear', years: 1 },
      earning: [
        rule(),
        rule({
          id: 'may-diapers_x3',
          name: 'Diapers x3 in May',
          from: '2026-05-01',
          until: '2026-05-31',
          conditions: [{ field: 'features.orderCount', op: 'gte', value: 1 }],
          award: { kind: 'perProduct', match: { category: 'Diapers' }, points: 1, per: 100, multiplier: 1.5 },
          multiplier: 3,
          budget: 100_000,
          caps: { perMemberPerDay: 500 },
          enabled: false,
        }),
      ],
    });
    expect(parsed).toStrictEqual({
      ...defaults,
      name: 'Stars',
      rounding: 'ceil',
      expiry: { kind: 'endOfYear', years: 1 },
      earning: [
        {
          id: 'base',
          name: 'Base points',
          event: 'Order Completed',
          conditions: [],
          award: { kind: 'fixed', points: 10 },
          enabled: true,
        },
        {
          id: 'may-diapers_x3',
          name: 'Diapers x3 in May',
          event: 'Order Completed',
          from: '2026-05-01',
          until: '2026-05-31',
          conditions: [{ field: 'features.orderCount', op: 'gte', value: 1 }],
          // Categories are kept normalized, as events' categories are compared.
          award: { kind: 'perProduct', match: { category: 'diapers' }, points: 1, per: 100, multiplier: 1.5 },
          multiplier: 3,
          budget: 100_000,
          caps: { perMemberPerDay: 500 },
          enabled: false,
        },
      ],
    });
  });

  it('accepts from equal to until (a one-day rule)', () => {
    const parsed = loyaltyProgramSchema.parse(withRule({ from: '2026-05-01', until: '2026-05-01' }));
    expect(parsed.earning[0]?.from).toBe('2026-05-01');
    expect(parsed.earning[0]?.until).toBe('2026-05-01');
  });
});

describe('points', () => {
  it.each([
    [-1, 'must be more than 0'],
    [0, 'must be more than 0'],
    [1.5, 'must be a whole number of points'],
  ])('rejects a fixed award of %d points', (points, message) => {
    expect(issuesOf(withRule({ award: { kind: 'fixed', points } }))).toStrictEqual([
      { path: 'earning.0.award.points', message },
    ]);
  });

  it.each([
    ['points', 0, 'must be more than 0'],
    ['points', 2.5, 'must be a whole number of points'],
    ['per', 0, 'must be a positive amount in minor units'],
    ['per', -100, 'must be a positive amount in minor units'],
    ['points', 1_000_000_001, 'must be at most 1000000000'],
    ['per', 1_000_000_000_001, 'must be at most 1000000000000'],
  ])('rejects a perAmount award with %s = %d', (key, value, message) => {
    expect(issuesOf(withRule({ award: { kind: 'perAmount', points: 1, per: 100, [key]: value } }))).toStrictEqual([
      { path: `earning.0.award.${key}`, message },
    ]);
  });

  it('rejects budgets and caps that are not positive whole numbers', () => {
    expect(issuesOf(withRule({ budget: 0, caps: { perMemberPerDay: -5, perMemberPerMonth: 10.5 } }))).toStrictEqual([
      { path: 'earning.0.budget', message: 'must be more than 0' },
      { path: 'earning.0.caps.perMemberPerDay', message: 'must be more than 0' },
      { path: 'earning.0.caps.perMemberPerMonth', message: 'must be a whole number of points' },
    ]);
  });

  it('rejects a point value of no points', () => {
    expect(issuesOf({ pointValue: { points: 0, amount: 100 } })).toStrictEqual([
      { path: 'pointValue.points', message: 'must be more than 0' },
    ]);
  });
});

describe('multipliers', () => {
  it.each([0.01, 0.5, 1.25, 2, 3, 99.99, 100])('accepts %d', (multiplier) => {
    expect(loyaltyProgramSchema.parse(withRule({ multiplier })).earning[0]?.multiplier).toBe(multiplier);
  });

  it.each([
    [1.005, 'must have at most 2 decimals'],
    [1.125, 'must have at most 2 decimals'],
    [0.001, 'must have at most 2 decimals'],
    [100.5, 'must be at most 100'],
    [101, 'must be at most 100'],
    [0, 'must be more than 0'],
    [-2, 'must be more than 0'],
  ])('rejects a rule multiplier of %d', (multiplier, message) => {
    expect(issuesOf(withRule({ multiplier }))).toStrictEqual([{ path: 'earning.0.multiplier', message }]);
  });

  it('rejects an award multiplier with 3 decimals at the award path', () => {
    expect(issuesOf(withRule({ award: { kind: 'perAmount', points: 1, per: 100, multiplier: 1.333 } }))).toStrictEqual([
      { path: 'earning.0.award.multiplier', message: 'must have at most 2 decimals' },
    ]);
  });

  // In binary floating point 1.1 * 100 === 110.00000000000001 and 1.15 * 100 === 114.99999999999999.
  it.each([1.1, 1.15, 0.07, 0.29, 2.2])('accepts %d, which has 2 decimals', (multiplier) => {
    expect(loyaltyProgramSchema.parse(withRule({ multiplier })).earning[0]?.multiplier).toBe(multiplier);
  });
});

describe('dates', () => {
  it('rejects from after until at the until path', () => {
    expect(issuesOf({ earning: [rule(), rule({ id: 'may', from: '2026-05-31', until: '2026-05-01' })] })).toStrictEqual(
      [{ path: 'earning.1.until', message: 'from must not be after until' }],
    );
  });

  it('reports from after until alongside other issues of the rule', () => {
    expect(issuesOf(withRule({ from: '2026-06-01', until: '2026-05-31', multiplier: 0 }))).toStrictEqual([
      { path: 'earning.0.multiplier', message: 'must be more than 0' },
      { path: 'earning.0.until', message: 'from must not be after until' },
    ]);
  });

  it.each([
    ['from', '2026-02-30'],
    ['from', '2026-13-01'],
    ['until', '2026/05/01'],
    ['until', '2026-5-1'],
    ['from', '2026-05-01T00:00:00Z'],
    ['until', ''],
  ])('rejects %s = %j', (key, value) => {
    expect(issuesOf(withRule({ [key]: value }))).toStrictEqual([
      { path: `earning.0.${key}`, message: 'must be a date like 2026-05-01' },
    ]);
  });

  it('accepts 29 February in a leap year only', () => {
    expect(loyaltyProgramSchema.parse(withRule({ from: '2028-02-29' })).earning[0]?.from).toBe('2028-02-29');
    expect(issuesOf(withRule({ from: '2027-02-29' }))).toStrictEqual([
      { path: 'earning.0.from', message: 'must be a date like 2026-05-01' },
    ]);
  });
});

describe('rule ids', () => {
  it('rejects a duplicate id at the later rule, naming the first', () => {
    expect(issuesOf({ earning: [rule(), rule({ id: 'other' }), rule()] })).toStrictEqual([
      { path: 'earning.2.id', message: 'duplicates the id of earning[0]' },
    ]);
  });

  it('reports every duplicate against the first rule with that id', () => {
    expect(issuesOf({ earning: [rule({ id: 'a' }), rule({ id: 'a' }), rule({ id: 'a' })] })).toStrictEqual([
      { path: 'earning.1.id', message: 'duplicates the id of earning[0]' },
      { path: 'earning.2.id', message: 'duplicates the id of earning[0]' },
    ]);
  });

  it.each(['Base', 'base points', '-base', '', 'a'.repeat(65)])('rejects the id %j', (id) => {
    expect(issuesOf(withRule({ id }))).toStrictEqual([
      {
        path: 'earning.0.id',
        message: 'must be 1–64 lower-case letters, digits, - or _, starting with a letter or digit',
      },
    ]);
  });
});

describe('unknown keys', () => {
  it.each([
    [{ pointsName: 'Stars' }, '', 'pointsName'],
    [withRule({ priority: 1 }), 'earning.0', 'priority'],
    [withRule({ award: { kind: 'fixed', points: 1, per: 100 } }), 'earning.0.award', 'per'],
    [withRule({ caps: { perMemberPerWeek: 5 } }), 'earning.0.caps', 'perMemberPerWeek'],
    [{ pointValue: { points: 1, amount: 1, currency: 'CNY' } }, 'pointValue', 'currency'],
    [{ redemption: { maxPoints: 5 } }, 'redemption', 'maxPoints'],
    [{ expiry: { kind: 'never', months: 12 } }, 'expiry', 'months'],
    [
      withRule({ award: { kind: 'perProduct', match: { brand: 'x' }, points: 1, per: 100 } }),
      'earning.0.award.match',
      'brand',
    ],
  ])('rejects %j at %j', (document, path, key) => {
    expect(issuesOf(document)).toContainEqual({ path, message: `Unrecognized key: "${key}"` });
  });
});

describe('awards', () => {
  it('requires a perProduct match to name at least one key', () => {
    expect(issuesOf(withRule({ award: { kind: 'perProduct', match: {}, points: 1, per: 100 } }))).toStrictEqual([
      { path: 'earning.0.award.match', message: 'name at least one of category, productId, sku' },
    ]);
  });

  it('rejects an empty category in a match', () => {
    expect(
      issuesOf(withRule({ award: { kind: 'perProduct', match: { category: '' }, points: 1, per: 100 } })),
    ).toStrictEqual([{ path: 'earning.0.award.match.category', message: 'must not be empty' }]);
  });

  it('rejects an unknown award kind', () => {
    expect(issuesOf(withRule({ award: { kind: 'bonus', points: 1 } }))).toStrictEqual([
      {
        path: 'earning.0.award.kind',
        message: "Invalid discriminator value. Expected 'fixed' | 'perAmount' | 'perProduct'",
      },
    ]);
  });
});

describe('expiry', () => {
  it.each([
    [{ kind: 'never' }],
    [{ kind: 'rolling', months: 1 }],
    [{ kind: 'rolling', months: 120 }],
    [{ kind: 'endOfYear', years: 0 }],
    [{ kind: 'endOfYear', years: 10 }],
  ])('accepts %j', (expiry) => {
    expect(loyaltyProgramSchema.parse({ expiry }).expiry).toStrictEqual(expiry);
  });

  it.each([
    [{ kind: 'monthly' }, 'expiry.kind', "Invalid discriminator value. Expected 'never' | 'rolling' | 'endOfYear'"],
    [{}, 'expiry.kind', "Invalid discriminator value. Expected 'never' | 'rolling' | 'endOfYear'"],
    [{ kind: 'rolling' }, 'expiry.months', 'Invalid input: expected number, received undefined'],
    [{ kind: 'rolling', months: 0 }, 'expiry.months', 'Too small: expected number to be >=1'],
    [{ kind: 'rolling', months: 121 }, 'expiry.months', 'Too big: expected number to be <=120'],
    [{ kind: 'rolling', months: 1.5 }, 'expiry.months', 'Invalid input: expected int, received number'],
    [{ kind: 'endOfYear', years: -1 }, 'expiry.years', 'Too small: expected number to be >=0'],
    [{ kind: 'endOfYear', years: 11 }, 'expiry.years', 'Too big: expected number to be <=10'],
  ])('rejects %j', (expiry, path, message) => {
    expect(issuesOf({ expiry })).toStrictEqual([{ path, message }]);
  });
});

describe('other settings', () => {
  it.each([
    [{ rounding: 'truncate' }, 'rounding', 'Invalid option: expected one of "floor"|"round"|"ceil"'],
    [{ pendingDays: -1 }, 'pendingDays', 'Too small: expected number to be >=0'],
    [{ pendingDays: 366 }, 'pendingDays', 'Too big: expected number to be <=365'],
    [{ expiringSoonDays: 0 }, 'expiringSoonDays', 'Too small: expected number to be >=1'],
    [
      { redemption: { maxOrderSharePercent: 101 } },
      'redemption.maxOrderSharePercent',
      'Too big: expected number to be <=100',
    ],
    [{ redemption: { minimumBalance: -1 } }, 'redemption.minimumBalance', 'Too small: expected number to be >=0'],
    [{ redemption: { step: 0 } }, 'redemption.step', 'must be more than 0'],
    [{ name: '' }, 'name', 'Too small: expected string to have >=1 characters'],
  ])('rejects %j', (document, path, message) => {
    expect(issuesOf(document)).toStrictEqual([{ path, message }]);
  });
});
