import { z } from 'zod';
import type { HttpApp } from '../../platform/http/app.ts';
import { toRouteResult } from '../../platform/http/routes.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import {
  adjustBodySchema,
  explanationSchema,
  liabilitySchema,
  memberParamsSchema,
  orderBodySchema,
  pointsBalanceSchema,
  pointsHistoryQuerySchema,
  pointsHistorySchema,
  pointsSummarySchema,
  programVersionSchema,
  programVersionsSchema,
  quoteBodySchema,
  quoteSchema,
  redeemBodySchema,
  reserveBodySchema,
  tierChangesQuerySchema,
  tierChangesSchema,
  tierViewSchema,
} from './loyalty.schema.ts';
import type { LoyaltyService, SavedProgram } from './loyalty.service.ts';
import type { PointsOperation } from './points-operations.ts';

const iso = (instant: number) => new Date(instant).toISOString();

function toProgramVersion(saved: SavedProgram) {
  return { version: saved.version, createdAt: iso(saved.createdAt), active: saved.active, program: saved.program };
}

const operationRefusals = {
  '404': 'Unknown member, or no points held for the order',
  '409': 'Not enough points (the body gives `available`), or the order already holds points',
  '422':
    'Points not a multiple of the program step, points that would take a balance or lifetime counter above the ceiling, or an Idempotency-Key reused for another request',
};

/** One points operation route: its body, and how the body becomes the operation written to the log. */
function registerOperationRoute<B>(
  http: HttpApp,
  loyalty: LoyaltyService,
  route: { path: string; summary: string; body: z.ZodType<B>; toOperation(body: B): PointsOperation },
): void {
  http.route({
    method: 'POST',
    url: `/api/members/:id/points/${route.path}`,
    summary: `${route.summary}. Idempotent by the Idempotency-Key header.`,
    tag: 'loyalty',
    auth: 'secret',
    params: memberParamsSchema,
    body: route.body,
    response: pointsBalanceSchema,
    refusals: operationRefusals,
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      return toRouteResult(
        await loyalty.operate(workspaceId, params.id, idempotencyKey, route.toOperation(body)),
        pointsBalanceSchema,
      );
    },
  });
}

function registerOperationRoutes(http: HttpApp, loyalty: LoyaltyService): void {
  registerOperationRoute(http, loyalty, {
    path: 'adjust',
    summary: 'Staff grant (+) or deduction (−) of points',
    body: adjustBodySchema,
    toOperation: (body) => ({ action: 'adjust', ...body }),
  });
  registerOperationRoute(http, loyalty, {
    path: 'redeem',
    summary: 'Direct redemption: all the points or none',
    body: redeemBodySchema,
    toOperation: (body) => ({ action: 'redeem', ...body }),
  });
  registerOperationRoute(http, loyalty, {
    path: 'reserve',
    summary: 'Hold points for an order at checkout (released after the program timeout)',
    body: reserveBodySchema,
    toOperation: (body) => ({ action: 'reserve', ...body }),
  });
  registerOperationRoute(http, loyalty, {
    path: 'commit',
    summary: 'Spend the points held for an order',
    body: orderBodySchema,
    toOperation: (body) => ({ action: 'commit', ...body }),
  });
  registerOperationRoute(http, loyalty, {
    path: 'release',
    summary: 'Give back the points held for an order',
    body: orderBodySchema,
    toOperation: (body) => ({ action: 'release', ...body }),
  });
}

export function registerLoyaltyRoutes(
  http: HttpApp,
  dependencies: { loyalty: LoyaltyService; workspaces: WorkspaceService },
): void {
  const { loyalty, workspaces } = dependencies;

  http.route({
    method: 'PUT',
    url: '/api/loyalty/program',
    summary: 'Save a new version of the loyalty program; it applies to events from now on',
    tag: 'loyalty',
    auth: 'secret',
    body: z.unknown(),
    response: programVersionSchema,
    handler: async ({ workspaceId, body }) => toProgramVersion(await loyalty.saveProgram(workspaceId, body)),
  });
  http.route({
    method: 'GET',
    url: '/api/loyalty/program',
    summary: 'The active version of the loyalty program',
    tag: 'loyalty',
    auth: 'secret',
    response: programVersionSchema,
    handler: async ({ workspaceId }) => toProgramVersion(await loyalty.activeProgram(workspaceId)),
  });
  http.route({
    method: 'GET',
    url: '/api/loyalty/program/versions',
    summary: 'Every saved version of the loyalty program, oldest first',
    tag: 'loyalty',
    auth: 'secret',
    response: programVersionsSchema,
    handler: async ({ workspaceId }) => ({
      versions: (await loyalty.programVersions(workspaceId)).map(toProgramVersion),
    }),
  });
  http.route({
    method: 'GET',
    url: '/api/members/:id/points',
    summary: 'Points balance: available, pending, held, expiring soon, lifetime totals',
    tag: 'loyalty',
    auth: 'secret',
    params: memberParamsSchema,
    response: pointsSummarySchema,
    handler: async ({ workspaceId, params }) => {
      const summary = await loyalty.summary(workspaceId, params.id);
      return {
        memberId: summary.memberId,
        ...summary.balance,
        expiringSoon: summary.expiringSoon.map((soon) => ({ points: soon.points, expiresAt: iso(soon.expiresAt) })),
      };
    },
  });
  http.route({
    method: 'GET',
    url: '/api/members/:id/points/history',
    summary: 'Ledger entries, newest first, each with its reason and source; paged with nextCursor',
    tag: 'loyalty',
    auth: 'secret',
    params: memberParamsSchema,
    query: pointsHistoryQuerySchema,
    response: pointsHistorySchema,
    handler: async ({ workspaceId, params, query }) => {
      const page = await loyalty.history(workspaceId, params.id, query);
      return { ...page, entries: page.entries.map((entry) => ({ ...entry, at: iso(entry.at) })) };
    },
  });
  http.route({
    method: 'POST',
    url: '/api/members/:id/points/quote',
    summary: 'At checkout: the most points the order can take, and what they pay',
    tag: 'loyalty',
    auth: 'secret',
    params: memberParamsSchema,
    body: quoteBodySchema,
    response: quoteSchema,
    handler: async ({ workspaceId, params, body }) => {
      const workspace = await workspaces.get(workspaceId);
      const quote = await loyalty.quote(workspaceId, params.id, body.orderAmount);
      return { ...quote, currency: workspace?.currency ?? 'CNY' };
    },
  });
  http.route({
    method: 'GET',
    url: '/api/loyalty/liability',
    summary: 'Outstanding points and their value, points expiring per month ahead, and the breakage rate',
    tag: 'loyalty',
    auth: 'secret',
    response: liabilitySchema,
    handler: async ({ workspaceId }) => loyalty.liability(workspaceId),
  });
  http.route({
    method: 'GET',
    url: '/api/members/:id/explain',
    summary: 'Why the member holds these points: the ledger summed by the rule, order or action behind it',
    tag: 'loyalty',
    auth: 'secret',
    params: memberParamsSchema,
    response: explanationSchema,
    handler: async ({ workspaceId, params }) => {
      const explanation = await loyalty.explain(workspaceId, params.id);
      const tier = explanation.tier;
      return {
        memberId: explanation.memberId,
        tier: tier
          ? {
              tier: tier.tier?.id ?? null,
              basis: tier.basis,
              qualifyingValue: tier.qualifyingValue,
              threshold: tier.tier?.threshold ?? null,
              valueScore: tier.valueScore,
              because: tier.history.at(-1)?.reason ?? null,
            }
          : null,
        points: {
          balance: explanation.summary.balance,
          total: explanation.total,
          because: explanation.lines.map((line) => ({
            ...line,
            firstAt: line.entries > 0 ? iso(line.firstAt) : null,
            lastAt: line.entries > 0 ? iso(line.lastAt) : null,
          })),
        },
      };
    },
  });
  http.route({
    method: 'GET',
    url: '/api/members/:id/tier',
    summary:
      'Tier, since when, the qualifying value and value score, the next tier and what is missing, downgrade date, history',
    tag: 'loyalty',
    auth: 'secret',
    params: memberParamsSchema,
    response: tierViewSchema,
    handler: async ({ workspaceId, params }) => {
      const view = await loyalty.tier(workspaceId, params.id);
      return {
        ...view,
        since: view.since === null ? null : iso(view.since),
        downgrade: view.downgrade ? { to: view.downgrade.to, at: iso(view.downgrade.at) } : null,
        history: view.history.map((change) => ({ ...change, at: iso(change.at) })),
      };
    },
  });
  http.route({
    method: 'GET',
    url: '/api/loyalty/tier-changes',
    summary: '`Tier Changed` events in log order (from, to, reason), paged by cursor: the feed journeys react to',
    tag: 'loyalty',
    auth: 'secret',
    query: tierChangesQuerySchema,
    response: tierChangesSchema,
    handler: async ({ workspaceId, query }) => {
      const page = await loyalty.tierChanges(workspaceId, query);
      return { ...page, changes: page.changes.map((change) => ({ ...change, at: iso(change.at) })) };
    },
  });
  registerOperationRoutes(http, loyalty);
}
