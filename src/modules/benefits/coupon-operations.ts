import { z } from 'zod';
import { operationPayloadSchema, readOperation } from '../../platform/processor/operations.ts';
import { couponTemplateDefinitionSchema } from './coupon-template.schema.ts';
import { couponOrderSchema } from './coupons.schema.ts';

/**
 * Every coupon write travels through the event log as an operation, so the processor decides
 * them one at a time in log order (a coupon is never redeemed twice, a template never issues
 * beyond its quantity) and a replay decides them the same way.
 */
const couponRequestSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('save-template'),
    templateId: z.string(),
    /** False for a new template: then a name already taken is refused. */
    existing: z.boolean(),
    definition: couponTemplateDefinitionSchema,
  }),
  /** Pool codes up to this position may be handed out from here on in the log. */
  z.object({ action: z.literal('codes-added'), templateId: z.string(), throughPosition: z.number().int() }),
  z.object({
    action: z.literal('issue'),
    templateId: z.string(),
    memberIds: z.array(z.string()),
    cohort: z.string(),
    /** Set for a list or segment issue: its progress is kept under this id. */
    job: z
      .object({
        id: z.string(),
        target: z.string(),
        total: z.number().int(),
        /** Listed ids that are no member of the workspace: counted as skipped. */
        unknown: z.number().int(),
      })
      .nullable(),
  }),
  z.object({ action: z.literal('claim'), memberId: z.string(), code: z.string() }),
  z.object({ action: z.literal('collect'), couponId: z.string() }),
  z.object({ action: z.literal('reserve'), couponId: z.string(), order: couponOrderSchema }),
  z.object({
    action: z.literal('redeem'),
    couponId: z.string(),
    orderId: z.string(),
    order: couponOrderSchema.optional(),
  }),
  z.object({ action: z.literal('release'), couponId: z.string(), orderId: z.string() }),
  z.object({ action: z.literal('revoke'), couponId: z.string(), reason: z.string() }),
]);
export type CouponRequest = z.infer<typeof couponRequestSchema>;

export const couponOperationPayloadSchema = operationPayloadSchema('coupons', couponRequestSchema);
export type CouponOperationPayload = z.infer<typeof couponOperationPayloadSchema>;

export function readCouponOperation(payload: unknown): CouponOperationPayload | undefined {
  return readOperation(payload, 'coupons', couponOperationPayloadSchema);
}
