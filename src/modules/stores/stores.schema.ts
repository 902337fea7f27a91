import { z } from 'zod';
import { pageCursorSchema } from '../../platform/page-cursor.ts';
import { positivePointsAmount } from '../../platform/amounts.ts';
import { operationPayloadSchema, readOperation } from '../../platform/processor/operations.ts';

/** Stores and dealers of a workspace, members bound to them, and each store's points budget. */

export { memberParamsSchema } from '../profiles/profiles.schema.ts';

const storeId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits or . _ -');
const positivePoints = positivePointsAmount;

export const storeParamsSchema = z.object({ id: storeId });

export const saveStoreBodySchema = z.object({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(['store', 'dealer']).default('store'),
  /** The dealer a store belongs to. */
  dealerId: storeId.optional(),
  /** For a dealer: `joint` makes a member of one of its stores a member of all of them. */
  membership: z.enum(['single', 'joint']).default('single'),
});
export type SaveStoreBody = z.infer<typeof saveStoreBodySchema>;

export const storeSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['store', 'dealer']),
  dealerId: z.string().nullable(),
  membership: z.enum(['single', 'joint']),
  budget: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StoreView = z.infer<typeof storeSchema>;
export const storeListSchema = z.object({ stores: z.array(storeSchema) });

export const bindBodySchema = z.object({
  storeId,
  /** The shopping guide (staff id) who looks after the member. */
  guide: z.string().trim().min(1).max(100).optional(),
});
export const bindingSchema = z.object({
  memberId: z.string(),
  store: z.string().nullable(),
  guide: z.string().nullable(),
  boundAt: z.string().nullable(),
  source: z.string().nullable(),
});

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: pageCursorSchema,
});
export const storeMembersSchema = z.object({
  storeId: z.string(),
  /** A joint dealer's stores share their members: the stores whose members these are. */
  stores: z.array(z.string()),
  members: z.array(
    z.object({ memberId: z.string(), store: z.string(), guide: z.string().nullable(), since: z.string() }),
  ),
  nextCursor: z.string().nullable(),
});

export const purchaseBodySchema = z.object({
  points: positivePoints,
  /** The brand's payment or invoice reference: the same reference buys once. */
  reference: z.string().trim().min(1).max(200),
});
export const grantBodySchema = z.object({
  member: z.string().min(1).max(100).describe('member id'),
  points: positivePoints,
  reason: z.string().trim().min(1).max(500),
});

export const budgetEntrySchema = z.object({
  id: z.string(),
  kind: z.enum(['purchase', 'grant']),
  points: z.number().int(),
  memberId: z.string().nullable(),
  reason: z.string(),
  reference: z.string().nullable(),
  at: z.string(),
});
export const budgetSchema = z.object({
  storeId: z.string(),
  budget: z.number().int(),
  entries: z.array(budgetEntrySchema),
  nextCursor: z.string().nullable(),
});
export const budgetAnswerSchema = z.object({
  storeId: z.string(),
  budget: z.number().int(),
  entry: budgetEntrySchema,
});

const storeRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('save-store'), storeId: z.string(), store: saveStoreBodySchema }),
  z.object({ action: z.literal('bind'), memberId: z.string(), storeId: z.string(), guide: z.string().nullable() }),
  z.object({ action: z.literal('purchase'), storeId: z.string(), points: z.number().int(), reference: z.string() }),
  z.object({
    action: z.literal('grant'),
    storeId: z.string(),
    memberId: z.string(),
    points: z.number().int(),
    reason: z.string(),
  }),
]);
export type StoreRequest = z.infer<typeof storeRequestSchema>;

const storeOperationSchema = operationPayloadSchema('stores', storeRequestSchema);
export type StoreOperation = z.infer<typeof storeOperationSchema>;

export function readStoreOperation(payload: unknown): StoreOperation | undefined {
  return readOperation(payload, 'stores', storeOperationSchema);
}
