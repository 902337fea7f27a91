import { z } from 'zod';
import { minorUnitsAmount } from '../../platform/amounts.ts';
import { operationPayloadSchema, readOperation } from '../../platform/processor/operations.ts';

/** Referrals (fission): a member's code brings a new member; both are rewarded once the first order stands. */

const rewardSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('points'), points: z.number().int().positive().max(1_000_000) }),
    z.object({ type: z.literal('coupon'), templateId: z.string().min(1).max(100) }),
  ],
  { error: 'must be {type: "points", points} or {type: "coupon", templateId}' },
);
export type ReferralReward = z.infer<typeof rewardSchema>;

export const referralProgramSchema = z
  .object({
    referrerReward: rewardSchema,
    refereeReward: rewardSchema.optional(),
    /** The referee's first order must reach this (minor units) to qualify. */
    minimumOrder: minorUnitsAmount.min(0).default(0),
    /** Rewards wait this long after the order, so a refund in the return window voids them. */
    returnWindowDays: z.number().int().min(0).max(365).default(15),
    /** Referrer rewards at most this many per calendar month (workspace time zone), and in all. */
    caps: z
      .object({ perMonth: z.number().int().positive().optional(), total: z.number().int().positive().optional() })
      .default({}),
    /** Links are this followed by the code. */
    linkBase: z.url().default('https://example.com/r/'),
  })
  .strict();
export type ReferralProgram = z.infer<typeof referralProgramSchema>;

export const linkBodySchema = z.object({
  member: z.string().min(1).max(100).describe('the new member (referee)'),
  code: z.string().trim().min(4).max(32),
});

export const referralCodeSchema = z.object({ memberId: z.string(), code: z.string(), link: z.string() });

const referralSchema = z.object({
  refereeId: z.string(),
  referrerId: z.string(),
  status: z.enum(['linked', 'qualified', 'rewarded', 'voided']),
  linkedAt: z.string(),
  orderId: z.string().nullable(),
  rewardedAt: z.string().nullable(),
  referrerRewarded: z.boolean(),
});
export type ReferralView = z.infer<typeof referralSchema>;
export const linkAnswerSchema = z.object({ referral: referralSchema });

export const referralTreeSchema = z.object({
  memberId: z.string(),
  code: z.string().nullable(),
  referredBy: z.string().nullable(),
  counts: z.object({
    linked: z.number().int(),
    qualified: z.number().int(),
    rewarded: z.number().int(),
    voided: z.number().int(),
  }),
  /** Who the member brought, and whom they brought in turn (to `depth` levels). */
  referrals: z.array(referralSchema.extend({ children: z.number().int() })),
});
export const treeQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100) });

const referralRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('save-program'), program: referralProgramSchema }),
  z.object({ action: z.literal('issue-code'), memberId: z.string() }),
  z.object({ action: z.literal('link'), memberId: z.string(), code: z.string() }),
]);
export type ReferralRequest = z.infer<typeof referralRequestSchema>;

const referralOperationSchema = operationPayloadSchema('referrals', referralRequestSchema);
export type ReferralOperation = z.infer<typeof referralOperationSchema>;

export function readReferralOperation(payload: unknown): ReferralOperation | undefined {
  return readOperation(payload, 'referrals', referralOperationSchema);
}
