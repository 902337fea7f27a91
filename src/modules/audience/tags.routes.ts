import { z } from 'zod';
import type { HttpApp } from '../../platform/http/app.ts';
import { toRouteResult } from '../../platform/http/routes.ts';
import { parseMemberCsv } from './member-references.ts';
import {
  createTagSchema,
  tagListQuerySchema,
  tagListSchema,
  tagMembersChangeSchema,
  tagMembersPageSchema,
  tagMembersQuerySchema,
  tagMembersResultSchema,
  tagParamsSchema,
  tagSchema,
} from './tags.schema.ts';
import type { TagsService } from './tags.service.ts';

const maxCsvBytes = 10 * 1024 * 1024;

export function registerTagsRoutes(http: HttpApp, dependencies: { tags: TagsService }): void {
  const { tags } = dependencies;
  // Lists of members are uploaded as they come out of a spreadsheet.
  http.app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: maxCsvBytes }, (_request, body, done) =>
    done(null, body),
  );
  http.route({
    method: 'POST',
    url: '/api/tags',
    summary: 'Define a tag (manual: set and removed by API or CSV upload)',
    tag: 'audience',
    auth: 'secret',
    body: createTagSchema,
    response: tagSchema,
    successStatus: 201,
    refusals: { '409': 'the family already has a tag of that name' },
    handler: async ({ workspaceId, body }) => tags.create(workspaceId, body),
  });
  http.route({
    method: 'GET',
    url: '/api/tags',
    summary: 'Tag definitions with how many members carry each',
    tag: 'audience',
    auth: 'secret',
    query: tagListQuerySchema,
    response: tagListSchema,
    handler: async ({ workspaceId, query }) => ({ tags: await tags.list(workspaceId, query.family) }),
  });
  http.route({
    method: 'GET',
    url: '/api/tags/:id',
    summary: 'One tag definition',
    tag: 'audience',
    auth: 'secret',
    params: tagParamsSchema,
    response: tagSchema,
    handler: async ({ workspaceId, params }) => tags.get(workspaceId, params.id),
  });
  http.route({
    method: 'DELETE',
    url: '/api/tags/:id',
    summary: 'Delete a tag; it is taken off every member',
    tag: 'audience',
    auth: 'secret',
    params: tagParamsSchema,
    response: z.object({ deleted: z.literal(true) }),
    handler: async ({ workspaceId, params }) => {
      await tags.remove(workspaceId, params.id);
      return { deleted: true as const };
    },
  });
  http.route({
    method: 'POST',
    url: '/api/tags/:id/members',
    summary: 'Tag or untag members, by member id or any identifier; idempotent (by Idempotency-Key too)',
    tag: 'audience',
    auth: 'secret',
    params: tagParamsSchema,
    body: tagMembersChangeSchema,
    response: tagMembersResultSchema,
    refusals: { '422': 'an Idempotency-Key reused for another request' },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) =>
      toRouteResult(await tags.changeMembers(workspaceId, params.id, body, idempotencyKey), tagMembersResultSchema),
  });
  http.route({
    method: 'POST',
    url: '/api/tags/:id/members/upload',
    summary: 'Tag the members of a one-column CSV (text/csv) whose header names the identifier type (email, phone, …)',
    tag: 'audience',
    auth: 'secret',
    params: tagParamsSchema,
    body: z.string({ error: 'send the list as text/csv' }),
    bodyType: 'text/csv',
    response: tagMembersResultSchema,
    refusals: { '422': 'an Idempotency-Key reused for another request' },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) =>
      toRouteResult(
        await tags.changeMembers(workspaceId, params.id, { add: parseMemberCsv(body), remove: [] }, idempotencyKey),
        tagMembersResultSchema,
      ),
  });
  http.route({
    method: 'GET',
    url: '/api/tags/:id/members',
    summary: 'Members carrying the tag, paged',
    tag: 'audience',
    auth: 'secret',
    params: tagParamsSchema,
    query: tagMembersQuerySchema,
    response: tagMembersPageSchema,
    handler: async ({ workspaceId, params, query }) => ({
      tagId: params.id,
      ...(await tags.members(workspaceId, params.id, query)),
    }),
  });
}
