import { memberParamsSchema } from '../profiles/profiles.schema.ts';
import type { HttpApp } from '../../platform/http/app.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { normalizeIdentifier, normalizeIdentifierType } from './identifiers.ts';
import {
  identitySettingsBodySchema,
  identitySettingsSchema,
  memberMergesResponseSchema,
  splitParamsSchema,
  splitQuerySchema,
  splitResponseSchema,
} from './identity.schema.ts';
import type { IdentityService } from './identity.service.ts';
import { invalidRequest } from '../../platform/errors.ts';

export function registerIdentityRoutes(
  http: HttpApp,
  dependencies: { identity: IdentityService; workspaces: WorkspaceService },
): void {
  const { identity, workspaces } = dependencies;

  http.route({
    method: 'GET',
    url: '/api/members/:id/merges',
    summary:
      "The member's identity history: creation, links, merges, conflicts and splits, with the events that caused them",
    tag: 'identity',
    auth: 'secret',
    params: memberParamsSchema,
    response: memberMergesResponseSchema,
    handler: async ({ workspaceId, params }) => {
      const memberId = await identity.resolveMemberId(workspaceId, params.id);
      return { memberId, entries: await identity.history(workspaceId, memberId) };
    },
  });

  http.route({
    method: 'DELETE',
    url: '/api/members/:id/identifiers/:type/:value',
    summary: 'Split a wrong link: detach the identifier into a member of its own and re-attribute the events',
    tag: 'identity',
    auth: 'secret',
    params: splitParamsSchema,
    query: splitQuerySchema,
    response: splitResponseSchema,
    handler: async ({ workspaceId, params, query }) => {
      const workspace = await workspaces.get(workspaceId);
      const type = normalizeIdentifierType(params.type);
      const { value, reason } = normalizeIdentifier(type, params.value, workspace?.phoneRegion ?? 'CN');
      if (value === undefined) throw invalidRequest('params.value', reason ?? 'invalid');
      return identity.split(workspaceId, params.id, { type, value }, query.block);
    },
  });

  http.route({
    method: 'GET',
    url: '/api/identity/settings',
    summary: 'Identity resolution settings: identifier priority, per-type limits, blocked values',
    tag: 'identity',
    auth: 'secret',
    response: identitySettingsSchema,
    handler: ({ workspaceId }) => identity.getSettings(workspaceId),
  });

  http.route({
    method: 'PUT',
    url: '/api/identity/settings',
    summary: 'Replace the identity resolution settings (applies to events processed from now on)',
    tag: 'identity',
    auth: 'secret',
    body: identitySettingsBodySchema,
    response: identitySettingsSchema,
    handler: ({ workspaceId, body }) => identity.saveSettings(workspaceId, body),
  });
}
