import { z } from 'zod';
import type { HttpApp } from '../../platform/http/app.ts';
import { toRouteResult } from '../../platform/http/routes.ts';
import { memberParamsSchema } from '../profiles/profiles.schema.ts';
import {
  createSegmentSchema,
  memberSegmentsSchema,
  previewRequestSchema,
  previewSchema,
  segmentListSchema,
  segmentMembersPageSchema,
  segmentMembersQuerySchema,
  segmentParamsSchema,
  segmentSchema,
  segmentSizesQuerySchema,
  segmentSizesSchema,
  updateSegmentSchema,
} from './segments.schema.ts';
import type { SegmentsService } from './segments.service.ts';

export function registerSegmentsRoutes(
  http: HttpApp,
  dependencies: {
    segments: SegmentsService;
    resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  },
): void {
  const { segments } = dependencies;
  const common = { tag: 'audience', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'POST',
    url: '/api/segments/preview',
    summary: 'Count the members a definition matches now, with a sample, without saving it',
    body: previewRequestSchema,
    response: previewSchema,
    handler: async ({ workspaceId, body }) => segments.preview(workspaceId, body.definition, body.sample),
  });
  http.route({
    ...common,
    method: 'POST',
    url: '/api/segments',
    summary:
      'Save a segment: its membership is kept fresh as events arrive and as time passes (idempotent by Idempotency-Key)',
    body: createSegmentSchema,
    response: segmentSchema,
    successStatus: 201,
    refusals: { '409': 'another segment has that name', '422': 'an Idempotency-Key reused for another request' },
    idempotencyKey: true,
    handler: async ({ workspaceId, body, idempotencyKey }) => {
      return toRouteResult(await segments.createOnce(workspaceId, body, idempotencyKey), segmentSchema);
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/segments',
    summary: 'Saved segments with their sizes',
    response: segmentListSchema,
    handler: async ({ workspaceId }) => ({ segments: await segments.list(workspaceId) }),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/segments/:id',
    summary: 'One saved segment',
    params: segmentParamsSchema,
    response: segmentSchema,
    handler: async ({ workspaceId, params }) => segments.get(workspaceId, params.id),
  });
  http.route({
    ...common,
    method: 'PUT',
    url: '/api/segments/:id',
    summary: 'Rename or redefine a segment; a new definition is evaluated over everyone at once',
    params: segmentParamsSchema,
    body: updateSegmentSchema,
    response: segmentSchema,
    refusals: { '409': 'another segment has that name' },
    handler: async ({ workspaceId, params, body }) => segments.update(workspaceId, params.id, body),
  });
  http.route({
    ...common,
    method: 'DELETE',
    url: '/api/segments/:id',
    summary: 'Delete a segment and its membership',
    params: segmentParamsSchema,
    response: z.object({ deleted: z.literal(true) }),
    handler: async ({ workspaceId, params }) => {
      await segments.remove(workspaceId, params.id);
      return { deleted: true as const };
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/segments/:id/members',
    summary: 'Members of the segment now, paged by member id',
    params: segmentParamsSchema,
    query: segmentMembersQuerySchema,
    response: segmentMembersPageSchema,
    handler: async ({ workspaceId, params, query }) => ({
      segmentId: params.id,
      ...(await segments.members(workspaceId, params.id, query)),
    }),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/members/:id/segments',
    summary: 'The saved segments the member is in now, with since when',
    params: memberParamsSchema,
    response: memberSegmentsSchema,
    handler: async ({ workspaceId, params }) => {
      const memberId = await dependencies.resolveMemberId(workspaceId, params.id);
      return { memberId, segments: await segments.ofMember(workspaceId, memberId) };
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/segments/:id/sizes',
    summary: 'The size of the segment at the close of each day it changed (workspace time zone)',
    params: segmentParamsSchema,
    query: segmentSizesQuerySchema,
    response: segmentSizesSchema,
    handler: async ({ workspaceId, params, query }) => ({
      segmentId: params.id,
      sizes: await segments.sizes(workspaceId, params.id, query),
    }),
  });
}
