import { describe, expect, it } from 'vitest';
import {
  defaultTierLevels,
  tiersSchema,
  valueScoreSchema,
  type TierProgram,
  type ValueScoreModel,
} from './tier-program.schema.ts';
import { defaultValueScoreModel } from './loyalty-program.fixtures.ts';

const defaultModel: ValueScoreModel = defaultValueScoreModel;

const defaultTiers: TierProgram = {
  basis: 'valueScore',
  window: { kind: 'rolling', months: 12 },
  levels: [
    { id: 'silver', name: 'Silver V1', threshold: 0, benefits: ['1 point per 1.00 spent'] },
    { id: 'platinum', name: 'Platinum V2', threshold: 300, benefits: ['birthday gift', 'member prices'] },
    { id: 'diamond', name: 'Diamond V3', threshold: 550, benefits: ['double points', 'free shipping'] },
    { id: 'black', name: 'Black V4', threshold: 800, benefits: ['double points', 'free shipping', 'personal adviser'] },
  ],
  graceDays: 0,
};

function level(id: string, threshold: number): Record<string, unknown> {
  return { id, name: id.toUpperCase(), threshold };
}

/** The issues of a document that must be rejected, as path + message, in zod's order. */
function issuesOf(
  schema: typeof tiersSchema | typeof valueScoreSchema,
  document: unknown,
): Array<{ path: string; message: string }> {
  const result = schema.safeParse(document);
  if (result.success) throw new Error(`expected the document to be rejected: ${JSON.stringify(document)}`);
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('value score model', () => {
  it('fills every default, also when absent', () => {
    expect(valueScoreSchema.parse({})).toStrictEqual(defaultModel);
    expect(valueScoreSchema.parse(undefined)).toStrictEqual(defaultModel);
  });

  it('fills the remaining weights around those given', () => {
    expect(valueScoreSchema.parse({ weights: { consumption: 50, activity: 10 } }).weights).toStrictEqual({
      consumption: 50,
      activity: 10,
      account: 15,
      credit: 15,
      newcomer: 10,
    });
  });

  it('requires the weights to add up to 100', () => {
    expect(issuesOf(valueScoreSchema, { weights: { consumption: 50 } })).toEqual([
      { path: 'weights', message: 'the weights must add up to 100' },
    ]);
    expect(
      issuesOf(valueScoreSchema, { weights: { consumption: 0, activity: 0, account: 0, credit: 0, newcomer: 0 } }),
    ).toEqual([{ path: 'weights', message: 'the weights must add up to 100' }]);
    expect(
      valueScoreSchema.parse({ weights: { consumption: 100, activity: 0, account: 0, credit: 0, newcomer: 0 } }).weights
        .consumption,
    ).toBe(100);
  });

  it('rejects weights outside 0–100 and unknown dimensions', () => {
    expect(
      issuesOf(valueScoreSchema, { weights: { consumption: -10, activity: 70 } }).map((issue) => issue.path),
    ).toEqual(['weights.consumption']);
    expect(issuesOf(valueScoreSchema, { weights: { loyalty: 0 } }).map((issue) => issue.path)).toEqual(['weights']);
  });

  it('bounds the window, the full scores and the refund rate', () => {
    expect(issuesOf(valueScoreSchema, { windowMonths: 0 }).map((issue) => issue.path)).toEqual(['windowMonths']);
    expect(issuesOf(valueScoreSchema, { windowMonths: 37 }).map((issue) => issue.path)).toEqual(['windowMonths']);
    expect(issuesOf(valueScoreSchema, { fullScoreSpend: 0 }).map((issue) => issue.path)).toEqual(['fullScoreSpend']);
    expect(issuesOf(valueScoreSchema, { fullScoreActiveDays: 1.5 }).map((issue) => issue.path)).toEqual([
      'fullScoreActiveDays',
    ]);
    expect(issuesOf(valueScoreSchema, { refundRateForNoCredit: 0 }).map((issue) => issue.path)).toEqual([
      'refundRateForNoCredit',
    ]);
    expect(issuesOf(valueScoreSchema, { refundRateForNoCredit: 1.5 }).map((issue) => issue.path)).toEqual([
      'refundRateForNoCredit',
    ]);
    expect(valueScoreSchema.parse({ newcomerMonths: 0, refundRateForNoCredit: 1 })).toMatchObject({
      newcomerMonths: 0,
      refundRateForNoCredit: 1,
    });
  });
});

describe('tiers', () => {
  it('defaults to the value score over 12 months on Silver V1 0 / Platinum V2 300 / Diamond V3 550 / Black V4 800', () => {
    expect(tiersSchema.parse({})).toStrictEqual(defaultTiers);
    expect(defaultTierLevels.map((tier) => [tier.id, tier.name, tier.threshold])).toEqual([
      ['silver', 'Silver V1', 0],
      ['platinum', 'Platinum V2', 300],
      ['diamond', 'Diamond V3', 550],
      ['black', 'Black V4', 800],
    ]);
  });

  it('keeps every field given and defaults the benefits', () => {
    expect(
      tiersSchema.parse({
        basis: 'spend',
        window: { kind: 'calendarYear' },
        levels: [level('gold', 10_000), { ...level('vip', 50_000), benefits: ['lounge'] }],
        graceDays: 30,
      }),
    ).toStrictEqual({
      basis: 'spend',
      window: { kind: 'calendarYear' },
      levels: [
        { id: 'gold', name: 'GOLD', threshold: 10_000, benefits: [] },
        { id: 'vip', name: 'VIP', threshold: 50_000, benefits: ['lounge'] },
      ],
      graceDays: 30,
    });
  });

  it('rejects overlapping thresholds at the later tier', () => {
    expect(issuesOf(tiersSchema, { levels: [level('a', 0), level('b', 10), level('c', 10)] })).toEqual([
      { path: 'levels.2.threshold', message: "must be above b's threshold (10): tiers must not overlap" },
    ]);
  });

  it('rejects decreasing thresholds, once per tier out of order', () => {
    expect(
      issuesOf(tiersSchema, { levels: [level('a', 100), level('b', 50), level('c', 60), level('d', 40)] }),
    ).toEqual([
      { path: 'levels.1.threshold', message: "must be above a's threshold (100): tiers must not overlap" },
      { path: 'levels.3.threshold', message: "must be above c's threshold (60): tiers must not overlap" },
    ]);
  });

  it('rejects duplicate ids at the repeated tier', () => {
    expect(issuesOf(tiersSchema, { levels: [level('a', 0), level('b', 10), level('a', 20)] })).toEqual([
      { path: 'levels.2.id', message: 'duplicates tier a' },
    ]);
    expect(issuesOf(tiersSchema, { levels: [level('a', 0), level('a', 0)] })).toEqual([
      { path: 'levels.1.id', message: 'duplicates tier a' },
      { path: 'levels.1.threshold', message: "must be above a's threshold (0): tiers must not overlap" },
    ]);
  });

  it('rejects malformed tiers and windows', () => {
    expect(issuesOf(tiersSchema, { levels: [] }).map((issue) => issue.path)).toEqual(['levels']);
    expect(issuesOf(tiersSchema, { levels: [level('Gold', 0)] })).toEqual([
      { path: 'levels.0.id', message: 'must be 1–64 lower-case letters, digits, - or _' },
    ]);
    expect(issuesOf(tiersSchema, { levels: [level('a', -1)] }).map((issue) => issue.path)).toEqual([
      'levels.0.threshold',
    ]);
    expect(issuesOf(tiersSchema, { basis: 'visits' }).map((issue) => issue.path)).toEqual(['basis']);
    expect(issuesOf(tiersSchema, { window: { kind: 'rolling', months: 0 } }).map((issue) => issue.path)).toEqual([
      'window.months',
    ]);
    expect(issuesOf(tiersSchema, { window: { kind: 'calendarYear', months: 12 } }).map((issue) => issue.path)).toEqual([
      'window',
    ]);
    expect(issuesOf(tiersSchema, { graceDays: 366 }).map((issue) => issue.path)).toEqual(['graceDays']);
  });
});
