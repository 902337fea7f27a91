import type { HttpApp } from '../../platform/http/app.ts';
import { lookupQuerySchema } from '../identity/identity.schema.ts';
import type { IdentityService } from '../identity/identity.service.ts';
import {
  memberEventsQuerySchema,
  memberEventsResponseSchema,
  memberParamsSchema,
  memberSchema,
  type Member,
} from './profiles.schema.ts';
import type { ProfilesService } from './profiles.service.ts';

export function registerProfilesRoutes(
  http: HttpApp,
  dependencies: {
    profiles: ProfilesService;
    identity: IdentityService;
    /** Tags are kept by the audience module; the member 360 shows them. */
    tagsOf(workspaceId: string, memberId: string): Promise<Member['tags']>;
    /** The workspace's currency, which every amount in the features is in. */
    currencyOf(workspaceId: string): Promise<string>;
  },
): void {
  const { profiles, identity } = dependencies;

  async function member360(workspaceId: string, memberId: string): Promise<Member> {
    const [profile, identifiers, tags, currency] = await Promise.all([
      profiles.profile(memberId),
      identity.identifiersOf(memberId),
      dependencies.tagsOf(workspaceId, memberId),
      dependencies.currencyOf(workspaceId),
    ]);
    return {
      id: memberId,
      createdAt: profile.createdAt,
      identifiers,
      traits: profile.traits,
      currency,
      features: profile.features,
      tags,
    };
  }

  http.route({
    method: 'GET',
    url: '/api/members/lookup',
    summary: 'Find a member by any identifier (email, phone, user_id, wechat_unionid, …); values are normalized first',
    tag: 'members',
    auth: 'secret',
    query: lookupQuerySchema,
    response: memberSchema,
    handler: async ({ workspaceId, query }) =>
      member360(workspaceId, await identity.lookup(workspaceId, query.type, query.value)),
  });

  http.route({
    method: 'GET',
    url: '/api/members/:id',
    summary: 'Member 360: identifiers, traits and features. A merged-away id answers with the surviving member',
    tag: 'members',
    auth: 'secret',
    params: memberParamsSchema,
    response: memberSchema,
    handler: async ({ workspaceId, params, reply }) => {
      const memberId = await identity.resolveMemberId(workspaceId, params.id);
      if (memberId !== params.id) reply.header('Content-Location', `/api/members/${memberId}`);
      return member360(workspaceId, memberId);
    },
  });

  http.route({
    method: 'GET',
    url: '/api/members/:id/events',
    summary: "The member's events, newest first, paged by cursor",
    tag: 'members',
    auth: 'secret',
    params: memberParamsSchema,
    query: memberEventsQuerySchema,
    response: memberEventsResponseSchema,
    handler: async ({ workspaceId, params, query }) => {
      const memberId = await identity.resolveMemberId(workspaceId, params.id);
      const page = await profiles.events([memberId], {
        limit: query.limit,
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      return { memberId, ...page };
    },
  });
}
