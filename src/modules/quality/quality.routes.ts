import type { HttpApp } from '../../platform/http/app.ts';
import { dataQualityQuerySchema, dataQualityReportSchema, orderLimitsSchema } from './quality.schema.ts';
import type { QualityService } from './quality.service.ts';

export function registerQualityRoutes(http: HttpApp, dependencies: { quality: QualityService }): void {
  const { quality } = dependencies;

  http.route({
    method: 'GET',
    url: '/api/data-quality',
    summary:
      'Events kept in the log but counted by no stage (bad amounts, orders without an id…): counts by reason and event name, and the most recent ones',
    tag: 'data quality',
    auth: 'secret',
    query: dataQualityQuerySchema,
    response: dataQualityReportSchema,
    handler: ({ workspaceId, query }) => quality.report(workspaceId, query),
  });

  http.route({
    method: 'GET',
    url: '/api/data-quality/limits',
    summary: "Bounds on tracked events' amounts and quantities",
    tag: 'data quality',
    auth: 'secret',
    response: orderLimitsSchema,
    handler: ({ workspaceId }) => quality.limits(workspaceId),
  });

  http.route({
    method: 'PUT',
    url: '/api/data-quality/limits',
    summary:
      "Replace the bounds on tracked events' amounts and quantities (applies to events processed after it in the log)",
    tag: 'data quality',
    auth: 'secret',
    body: orderLimitsSchema,
    response: orderLimitsSchema,
    handler: ({ workspaceId, body }) => quality.saveLimits(workspaceId, body),
  });
}
