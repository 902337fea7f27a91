import { z } from 'zod';

/** Rewards a benefit made a member due (a badge level, a plan, a referral, a product code), granted or not. */

export const rewardReasonSchema = z
  .enum([
    'unknown_template',
    'template_expired',
    'template_used_up',
    'member_limit_reached',
    'no_codes_left',
    'referral_cap_reached',
  ])
  .describe('why the reward was not granted');
export type RewardReason = z.infer<typeof rewardReasonSchema>;

export const rewardStatusSchema = z.enum(['granted', 'not_granted']);
export type RewardStatus = z.infer<typeof rewardStatusSchema>;

export const rewardKindSchema = z.enum(['coupon', 'points']);
export type RewardKind = z.infer<typeof rewardKindSchema>;

export const rewardViewSchema = z.object({
  id: z.string(),
  source: z.string().describe('what made it due: `badge:ID`, `membership:PLAN`, `referral:ROLE`, `product-code:BATCH`'),
  kind: rewardKindSchema,
  templateId: z.string().nullable().describe('the coupon template, for a coupon'),
  points: z.number().int().nullable().describe('the points, for points'),
  status: rewardStatusSchema,
  couponId: z.string().nullable().describe('the coupon the member got, when granted'),
  reason: rewardReasonSchema.nullable(),
  message: z.string().nullable(),
  at: z.string().describe('ISO-8601 instant'),
  eventId: z.string().describe('the log event that made it due'),
});
export type RewardView = z.infer<typeof rewardViewSchema>;

export const memberRewardsQuerySchema = z.object({ status: rewardStatusSchema.optional() }).strict();

export const memberRewardsSchema = z.object({ memberId: z.string(), rewards: z.array(rewardViewSchema) });
