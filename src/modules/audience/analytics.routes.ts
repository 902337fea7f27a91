import type { HttpApp } from '../../platform/http/app.ts';
import { paretoQuerySchema, paretoResponseSchema, rfmRequestSchema, rfmResponseSchema } from './analytics.schema.ts';
import type { AnalyticsService } from './analytics.service.ts';

export function registerAnalyticsRoutes(http: HttpApp, dependencies: { analytics: AnalyticsService }): void {
  const { analytics } = dependencies;
  http.route({
    method: 'POST',
    url: '/api/analytics/rfm',
    summary:
      "Each customer's recency, frequency and monetary value with 1–5 scores (compatible with R's rfm_table_order), and totals per named segment",
    tag: 'analytics',
    auth: 'secret',
    body: rfmRequestSchema,
    response: rfmResponseSchema,
    handler: async ({ workspaceId, body }) => analytics.rfm(workspaceId, body),
  });
  http.route({
    method: 'GET',
    url: '/api/analytics/pareto',
    summary: 'The 80/20 view: revenue from the top 20%, middle 60% and tail 20% of customers, and the curve',
    tag: 'analytics',
    auth: 'secret',
    query: paretoQuerySchema,
    response: paretoResponseSchema,
    handler: async ({ workspaceId, query }) => analytics.pareto(workspaceId, query),
  });
}
