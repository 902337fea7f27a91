import type { HttpApp } from '../../platform/http/app.ts';
import { notFound } from '../../platform/errors.ts';
import { workspaceSchema } from './workspaces.schema.ts';
import type { WorkspaceService } from './workspaces.service.ts';

export function registerWorkspaceRoutes(http: HttpApp, dependencies: { workspaces: WorkspaceService }): void {
  http.route({
    method: 'GET',
    url: '/api/workspace',
    summary: 'The workspace the secret key belongs to',
    tag: 'workspaces',
    auth: 'secret',
    response: workspaceSchema,
    handler: async ({ workspaceId }) => {
      const workspace = await dependencies.workspaces.get(workspaceId);
      if (!workspace) throw notFound('workspace not found');
      const { identitySettings: _settings, ...visible } = workspace;
      return visible;
    },
  });
}
