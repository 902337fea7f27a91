import { z } from 'zod';
import { lifeStageLevelSchema } from './life-stage-levels.schema.ts';

export const lifeStageLevelsResponseSchema = z.object({
  levels: z.array(lifeStageLevelSchema),
  /** False while the workspace uses the 16 default levels. */
  custom: z.boolean(),
});

export const lifeStageDistributionSchema = z.object({
  stages: z.array(z.object({ id: z.string(), name: z.string(), members: z.number().int() })),
  withoutStage: z.number().int().describe('members whose children are all outside every level'),
});

export const memberLifeStagesSchema = z.object({
  memberId: z.string(),
  children: z.array(
    z.object({
      child: z.string(),
      stage: z.object({ id: z.string(), name: z.string() }).nullable(),
      since: z.string().nullable().describe('ISO-8601 instant the stage began'),
    }),
  ),
});
