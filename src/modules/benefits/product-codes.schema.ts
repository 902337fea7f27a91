import { z } from 'zod';
import { operationPayloadSchema, readOperation } from '../../platform/processor/operations.ts';
import { codePatternSchema } from './coupon-template.schema.ts';

export { memberParamsSchema } from '../profiles/profiles.schema.ts';

/** One item, one code: batches of unguessable codes printed on packs, each scanned once, ever. */

const label = z.string().trim().min(1).max(200);

export const codeWorthSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('points'), points: z.number().int().positive().max(1_000_000) }),
    z.object({ type: z.literal('coupon'), templateId: z.string().min(1).max(100) }),
  ],
  { error: 'must be {type: "points", points} or {type: "coupon", templateId}' },
);
export type CodeWorth = z.infer<typeof codeWorthSchema>;

export const createBatchBodySchema = z.object({
  name: label,
  count: z.number().int().min(1).max(5_000_000),
  worth: codeWorthSchema,
  /** 12 letters by default: 24^12 ≈ 3.7e16 codes, so guessing one is hopeless. */
  pattern: codePatternSchema
    .refine((pattern) => [...pattern].filter((character) => character === '#' || character === '?').length >= 10, {
      message: 'needs at least 10 placeholders (# or ?) for codes printed on packs',
    })
    .default('????-????-????'),
  /** The first scan with a store makes it the member's home store, when they have none. */
  bindStore: z.boolean().default(false),
});

export const batchParamsSchema = z.object({ id: z.string().min(1).max(100) });

export const codeBatchSchema = z.object({
  id: z.string(),
  name: z.string(),
  worth: codeWorthSchema,
  size: z.number().int(),
  scanned: z.number().int(),
  bindStore: z.boolean(),
  createdAt: z.string(),
});
export type CodeBatch = z.infer<typeof codeBatchSchema>;
export const codeBatchListSchema = z.object({ batches: z.array(codeBatchSchema) });

export const scanBodySchema = z.object({
  code: z.string().trim().min(3).max(64),
  member: z.string().min(1).max(100).describe('member id'),
  channel: label.optional(),
  location: label.optional(),
  store: label.optional(),
});
export type ScanBody = z.infer<typeof scanBodySchema>;

export const scanSchema = z.object({
  code: z.string(),
  batchId: z.string(),
  memberId: z.string(),
  at: z.string(),
  channel: z.string().nullable(),
  location: z.string().nullable(),
  store: z.string().nullable(),
  worth: codeWorthSchema,
  /** The member's home store after the scan (null without one). */
  homeStore: z.string().nullable(),
});
export const scanAnswerSchema = z.object({ scan: scanSchema });

export const homeStoreSchema = z.object({
  memberId: z.string(),
  store: z.string().nullable(),
  boundAt: z.string().nullable(),
  source: z.string().nullable(),
});

/** Batch creation and scans travel through the log, so a code is scanned once however many try. */
const productCodeRequestSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('create-batch'),
    batchId: z.string(),
    name: z.string(),
    worth: codeWorthSchema,
    size: z.number().int(),
    bindStore: z.boolean(),
  }),
  z.object({
    action: z.literal('scan'),
    memberId: z.string(),
    code: z.string(),
    channel: z.string().nullable(),
    location: z.string().nullable(),
    store: z.string().nullable(),
  }),
]);
export type ProductCodeRequest = z.infer<typeof productCodeRequestSchema>;

const productCodeOperationSchema = operationPayloadSchema('product-codes', productCodeRequestSchema);
export type ProductCodeOperation = z.infer<typeof productCodeOperationSchema>;

export function readProductCodeOperation(payload: unknown): ProductCodeOperation | undefined {
  return readOperation(payload, 'product-codes', productCodeOperationSchema);
}
