import { z } from 'zod';
import { positiveMinorUnits, totalThreshold } from '../../platform/amounts.ts';

/**
 * The value score and the tiers of a loyalty program. The score weighs five dimensions of the
 * last N months (consumption, activity, account, credit, newcomer) into 0–1000; tiers qualify on
 * the score, points earned, spend or orders over a window.
 */

const weight = z.number().int().min(0).max(100);

export const valueScoreSchema = z
  .strictObject({
    windowMonths: z.number().int().min(1).max(36).default(12),
    /** Shares of the score, in percent; they add up to 100. */
    weights: z
      .strictObject({
        consumption: weight.default(40),
        activity: weight.default(20),
        account: weight.default(15),
        credit: weight.default(15),
        newcomer: weight.default(10),
      })
      .prefault({})
      .refine(
        (weights) => Object.values(weights).reduce((sum, value) => sum + value, 0) === 100,
        'the weights must add up to 100',
      ),
    /** Spend in the window (minor units) that earns the full consumption score. */
    fullScoreSpend: positiveMinorUnits.default(1_000_000),
    /** Days with any activity in the window that earn the full activity score. */
    fullScoreActiveDays: z.number().int().positive().default(60),
    /** Profile fields that make an account complete; a verified phone counts as much as all of them. */
    accountTraits: z.array(z.string().min(1)).max(50).default(['email', 'phone', 'birthday', 'name', 'gender', 'city']),
    verifiedPhoneTrait: z.string().min(1).default('phoneVerified'),
    /** The share of spend refunded at which the credit score reaches 0. */
    refundRateForNoCredit: z.number().positive().max(1).default(0.5),
    /** Members first seen this many months ago or less get the newcomer bonus. */
    newcomerMonths: z.number().int().min(0).max(36).default(3),
  })
  .prefault({});
export type ValueScoreModel = z.output<typeof valueScoreSchema>;

export const tierLevelSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1–64 lower-case letters, digits, - or _'),
  name: z.string().min(1).max(100),
  /** The qualifying value from which a member holds this tier. */
  threshold: totalThreshold,
  benefits: z.array(z.string().min(1).max(200)).max(50).default([]),
});
export type TierLevel = z.infer<typeof tierLevelSchema>;

export const defaultTierLevels: TierLevel[] = [
  { id: 'silver', name: 'Silver V1', threshold: 0, benefits: ['1 point per 1.00 spent'] },
  { id: 'platinum', name: 'Platinum V2', threshold: 300, benefits: ['birthday gift', 'member prices'] },
  { id: 'diamond', name: 'Diamond V3', threshold: 550, benefits: ['double points', 'free shipping'] },
  { id: 'black', name: 'Black V4', threshold: 800, benefits: ['double points', 'free shipping', 'personal adviser'] },
];

export const tiersSchema = z
  .strictObject({
    basis: z.enum(['valueScore', 'pointsEarned', 'spend', 'orders']).default('valueScore'),
    window: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('rolling'), months: z.number().int().min(1).max(36) }),
        z.strictObject({ kind: z.literal('calendarYear') }),
      ])
      .default({ kind: 'rolling', months: 12 }),
    levels: z.array(tierLevelSchema).min(1).max(20).default(defaultTierLevels),
    /** After an evaluation finds a member below their tier, they keep it this many more days. */
    graceDays: z.number().int().min(0).max(365).default(0),
  })
  .superRefine((tiers, context) => {
    const ids = new Set<string>();
    tiers.levels.forEach((level, index) => {
      if (ids.has(level.id)) {
        context.addIssue({ code: 'custom', path: ['levels', index, 'id'], message: `duplicates tier ${level.id}` });
      }
      ids.add(level.id);
      const previous = tiers.levels[index - 1];
      if (previous && level.threshold <= previous.threshold) {
        context.addIssue({
          code: 'custom',
          path: ['levels', index, 'threshold'],
          message: `must be above ${previous.id}'s threshold (${previous.threshold}): tiers must not overlap`,
        });
      }
    });
  });
export type TierProgram = z.output<typeof tiersSchema>;
