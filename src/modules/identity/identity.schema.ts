import { z } from 'zod';

export const identifierTypeSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case, e.g. wechat_unionid');

export const identifierSchema = z.object({ type: z.string(), value: z.string() });
export type Identifier = z.infer<typeof identifierSchema>;

export const defaultIdentifierPriority = [
  'user_id',
  'member_card',
  'phone',
  'email',
  'wechat_unionid',
  'tmall_id',
  'jd_id',
  'douyin_id',
  'wechat_openid',
  'anonymous_id',
];

/** Values clients send when they have nothing; linking on them would merge strangers. */
export const builtInBlockedValues = [
  '',
  'null',
  'undefined',
  'none',
  'nil',
  'nan',
  'n/a',
  'na',
  '0',
  '-1',
  'anonymous',
  'unknown',
  'guest',
  'test',
  'false',
  'true',
  '[object object]',
];

/** Per workspace; stored as given, defaults applied when read. */
export const identitySettingsSchema = z.object({
  priority: z
    .array(identifierTypeSchema)
    .default(defaultIdentifierPriority)
    .describe('identifier types, most trusted first; unlisted types rank after, alphabetically'),
  limits: z
    .record(identifierTypeSchema, z.number().int().min(1, 'must be at least 1'))
    .default({ user_id: 1 })
    .describe('most distinct values of a type one member may hold'),
  blockedValues: z
    .array(z.string().max(512))
    .max(10_000)
    .default([])
    .describe('values never linked (compared case-insensitively, after normalization)'),
  useBuiltInBlocklist: z
    .boolean()
    .default(true)
    .describe(`also block ${builtInBlockedValues.filter(Boolean).join(', ')}`),
});
export type IdentitySettings = z.output<typeof identitySettingsSchema>;

/**
 * The settings as a request gives them: each identifier type ranked once. Logged settings are read
 * with the plain schema, so what an older log holds still replays as it did.
 */
export const identitySettingsBodySchema = identitySettingsSchema.superRefine((settings, context) => {
  settings.priority.forEach((type, index) => {
    if (settings.priority.indexOf(type) === index) return;
    context.addIssue({
      code: 'custom',
      message: `ranks ${type} again; list each type once`,
      path: ['priority', index],
    });
  });
});

export const identityLogEntrySchema = z.object({
  kind: z.enum(['created', 'linked', 'merged', 'conflict', 'split', 'blocked']),
  memberId: z.string(),
  otherMemberId: z.string().nullable(),
  identifier: identifierSchema.nullable(),
  eventId: z.string(),
  at: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type IdentityLogEntry = z.infer<typeof identityLogEntrySchema>;

export const memberMergesResponseSchema = z.object({
  memberId: z.string(),
  entries: z.array(identityLogEntrySchema),
});

export const lookupQuerySchema = z.object({
  type: z.string().trim().min(1, 'is required'),
  value: z.string().min(1, 'is required'),
});

export const splitParamsSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  value: z.string().min(1),
});
export const splitQuerySchema = z.object({
  block: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe('also add the value to the workspace blocklist so it never links again'),
});
export const splitResponseSchema = z.object({
  memberId: z.string().describe('the member that keeps the original id'),
  detachedMemberId: z.string().describe('the new member that now holds the identifier'),
  members: z.array(z.string()).describe('every member the group was split into'),
});
