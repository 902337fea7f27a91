import type { HttpApp } from '../../platform/http/app.ts';
import { toRouteResult } from '../../platform/http/routes.ts';
import {
  badgeDefinitionSchema,
  badgeListSchema,
  badgeParamsSchema,
  badgeSchema,
  holdersQuerySchema,
  holdersSchema,
  memberBadgesSchema,
} from './badge-definition.schema.ts';
import { memberParamsSchema } from './coupons.schema.ts';
import type { BadgesService } from './badges.service.ts';

export function registerBadgesRoutes(http: HttpApp, dependencies: { badges: BadgesService }): void {
  const { badges } = dependencies;
  const common = { tag: 'benefits', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'PUT',
    url: '/api/badges/:id',
    summary: 'Create or change a badge or medal: its measure, window and levels (with rewards); applies from now on',
    params: badgeParamsSchema,
    body: badgeDefinitionSchema,
    response: badgeSchema,
    refusals: { '201': 'Created: no badge had that id' },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      const answer = await badges.save(workspaceId, params.id, body, idempotencyKey);
      return toRouteResult(answer, badgeSchema, { keepStatus: answer.status === 201 });
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/badges',
    summary: 'Badges and medals with how many members hold each level',
    response: badgeListSchema,
    handler: async ({ workspaceId }) => ({ badges: await badges.list(workspaceId) }),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/badges/:id',
    summary: 'One badge with its holders per level',
    params: badgeParamsSchema,
    response: badgeSchema,
    handler: async ({ workspaceId, params }) => badges.get(workspaceId, params.id),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/badges/:id/holders',
    summary: 'Members holding the badge at a level or above (the high-value members of a category), paged',
    params: badgeParamsSchema,
    query: holdersQuerySchema,
    response: holdersSchema,
    handler: async ({ workspaceId, params, query }) => badges.holders(workspaceId, params.id, query),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/members/:id/badges',
    summary: 'The member’s badges: level, the measure now, what the next level still needs, the rights unlocked',
    params: memberParamsSchema,
    response: memberBadgesSchema,
    handler: async ({ workspaceId, params }) => badges.ofMember(workspaceId, params.id),
  });
}
