import { z } from 'zod';
import { pageCursorSchema } from '../../platform/page-cursor.ts';
import { checkedDefinitionSchema } from './segment-definition.schema.ts';

const segmentName = z.string().trim().min(1).max(200);

export const previewRequestSchema = z.object({
  definition: checkedDefinitionSchema,
  sample: z.number().int().min(0).max(100).default(10).describe('how many matching members to show'),
});

export const previewSchema = z.object({
  count: z.number().int().describe('members matching now'),
  sample: z.array(z.object({ memberId: z.string() })),
  countedBy: z
    .enum(['index', 'database'])
    .describe('index: the in-memory preview index of a large workspace; database: a SQL query'),
});
export type Preview = z.infer<typeof previewSchema>;

export const createSegmentSchema = z.object({
  name: segmentName,
  description: z.string().max(1000).optional(),
  definition: checkedDefinitionSchema,
});

export const updateSegmentSchema = z
  .object({
    name: segmentName.optional(),
    description: z.string().max(1000).nullable().optional(),
    definition: checkedDefinitionSchema.optional(),
  })
  .refine((change) => Object.values(change).some((value) => value !== undefined), 'give something to change');

export const segmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  definition: z.unknown().describe('the definition, as saved'),
  /** Set for the segment behind a rule tag. */
  tagId: z.string().nullable(),
  size: z.number().int().describe('members now'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Segment = z.infer<typeof segmentSchema>;

export const segmentListSchema = z.object({ segments: z.array(segmentSchema) });
export const segmentParamsSchema = z.object({ id: z.string().min(1) });

export const segmentMembersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: pageCursorSchema,
});

export const segmentMembersPageSchema = z.object({
  segmentId: z.string(),
  members: z.array(z.object({ memberId: z.string(), since: z.string() })),
  nextCursor: z.string().nullable(),
});

export const segmentSizesQuerySchema = z.object({
  from: z.iso.date('must be a date like 2026-05-01').optional(),
  to: z.iso.date('must be a date like 2026-05-01').optional(),
});

export const segmentSizesSchema = z.object({
  segmentId: z.string(),
  sizes: z
    .array(z.object({ day: z.string(), size: z.number().int() }))
    .describe('closing size of each local day the size changed, oldest first'),
});

export const memberSegmentsSchema = z.object({
  memberId: z.string(),
  segments: z.array(z.object({ id: z.string(), name: z.string(), since: z.string() })),
});
