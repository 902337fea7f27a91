import type { HttpApp } from '../../platform/http/app.ts';
import {
  lifeStageDistributionSchema,
  lifeStageLevelsResponseSchema,
  memberLifeStagesSchema,
} from './audience.schema.ts';
import { memberParamsSchema } from '../profiles/profiles.schema.ts';
import { lifeStageLevelsBodySchema } from './life-stage-levels.schema.ts';
import type { LifeStagesService } from './life-stages.service.ts';

export function registerAudienceRoutes(
  http: HttpApp,
  dependencies: {
    lifeStages: LifeStagesService;
    resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  },
): void {
  const { lifeStages } = dependencies;
  http.route({
    method: 'GET',
    url: '/api/audience/life-stages',
    summary: 'Members per life stage of their children (a member with children in two stages counts in both)',
    tag: 'audience',
    auth: 'secret',
    response: lifeStageDistributionSchema,
    handler: async ({ workspaceId }) => lifeStages.distribution(workspaceId),
  });
  http.route({
    method: 'GET',
    url: '/api/audience/life-stages/levels',
    summary: 'The life-stage levels in force (the 16 defaults until changed)',
    tag: 'audience',
    auth: 'secret',
    response: lifeStageLevelsResponseSchema,
    handler: async ({ workspaceId }) => lifeStages.levels(workspaceId),
  });
  http.route({
    method: 'PUT',
    url: '/api/audience/life-stages/levels',
    summary: 'Replace the life-stage levels; every member with children is re-evaluated by the next clock ticks',
    tag: 'audience',
    auth: 'secret',
    body: lifeStageLevelsBodySchema,
    response: lifeStageLevelsResponseSchema,
    handler: async ({ workspaceId, body }) => lifeStages.saveLevels(workspaceId, body.levels),
  });
  http.route({
    method: 'GET',
    url: '/api/members/:id/life-stages',
    summary: "Each of the member's children with their life stage and since when",
    tag: 'audience',
    auth: 'secret',
    params: memberParamsSchema,
    response: memberLifeStagesSchema,
    handler: async ({ workspaceId, params }) => {
      const memberId = await dependencies.resolveMemberId(workspaceId, params.id);
      return { memberId, children: await lifeStages.memberStages(workspaceId, memberId) };
    },
  });
}
