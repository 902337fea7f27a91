import { z } from 'zod';
import { pageCursorSchema } from '../../platform/page-cursor.ts';
import { checkedDefinitionSchema } from './segment-definition.schema.ts';
import { valueBandSchema } from './value-bands.ts';

export const defaultTagFamilies = ['basic', 'life-stage', 'value', 'preference', 'behaviour', 'channel'] as const;

export const createTagSchema = z
  .object({
    family: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1–64 lower-case letters, digits or -')
      .describe(`a family such as ${defaultTagFamilies.join(', ')}`),
    name: z.string().trim().min(1).max(100),
    kind: z.enum(['manual', 'rule', 'value-band'], {
      error:
        'must be manual (set by API or upload), rule (carried by who matches a definition) or value-band (a percentile band of a measure)',
    }),
    description: z.string().max(500).optional(),
    definition: checkedDefinitionSchema
      .optional()
      .describe('for a rule tag: the segment definition whose members carry the tag, kept fresh like a saved segment'),
    band: valueBandSchema
      .optional()
      .describe(
        'for a value-band tag: members whose measure is between these percentiles of everyone with one, cut daily',
      ),
  })
  .superRefine((tag, context) => {
    if (tag.kind === 'rule' && tag.definition === undefined)
      context.addIssue({ code: 'custom', message: 'a rule tag needs a definition', path: ['definition'] });
    if (tag.kind !== 'rule' && tag.definition !== undefined)
      context.addIssue({ code: 'custom', message: 'only a rule tag has a definition', path: ['definition'] });
    if (tag.kind === 'value-band' && tag.band === undefined)
      context.addIssue({ code: 'custom', message: 'a value-band tag needs a band', path: ['band'] });
    if (tag.kind !== 'value-band' && tag.band !== undefined)
      context.addIssue({ code: 'custom', message: 'only a value-band tag has a band', path: ['band'] });
  });
export type CreateTagInput = z.infer<typeof createTagSchema>;

export const tagSchema = z.object({
  id: z.string(),
  family: z.string(),
  name: z.string(),
  kind: z.string(),
  description: z.string().nullable(),
  createdAt: z.string(),
  members: z.number().int(),
  segmentId: z.string().nullable().describe('for a rule tag, the saved segment behind it'),
});
export type Tag = z.infer<typeof tagSchema>;

export const tagParamsSchema = z.object({ id: z.string().min(1) });

export const tagListQuerySchema = z.object({ family: z.string().optional() });
export const tagListSchema = z.object({ tags: z.array(tagSchema) });

/** A member by id, or by any identifier (`{type: 'email', value: 'ana@example.com'}`). */
export const memberReferenceSchema = z.union([
  z.string().min(1),
  z.object({ type: z.string().min(1), value: z.string().min(1) }),
]);
export type MemberReference = z.infer<typeof memberReferenceSchema>;

export const tagMembersChangeSchema = z
  .object({
    add: z.array(memberReferenceSchema).max(10_000).default([]),
    remove: z.array(memberReferenceSchema).max(10_000).default([]),
  })
  .refine((change) => change.add.length + change.remove.length > 0, 'give members to add or remove');

export const tagMembersResultSchema = z.object({
  requested: z.object({ add: z.number().int(), remove: z.number().int() }).describe('members found, by change'),
  members: z.number().int().describe('members carrying the tag once the change is applied'),
  unknown: z
    .array(z.object({ position: z.number().int(), reference: z.string(), reason: z.string() }))
    .describe('references that match no member: their 1-based place in the list (adds first, then removes) and why'),
});
export type TagMembersResult = z.infer<typeof tagMembersResultSchema>;

export const tagMembersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: pageCursorSchema,
});

export const tagMembersPageSchema = z.object({
  tagId: z.string(),
  members: z.array(z.object({ memberId: z.string(), since: z.string() })),
  nextCursor: z.string().nullable(),
});
