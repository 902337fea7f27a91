import type { HttpApp } from '../../platform/http/app.ts';
import { toRouteResult } from '../../platform/http/routes.ts';
import {
  bindBodySchema,
  bindingSchema,
  budgetAnswerSchema,
  budgetSchema,
  grantBodySchema,
  memberParamsSchema,
  pageQuerySchema,
  purchaseBodySchema,
  saveStoreBodySchema,
  storeListSchema,
  storeMembersSchema,
  storeParamsSchema,
  storeSchema,
} from './stores.schema.ts';
import type { StoresService } from './stores.service.ts';

function registerStoreRoutes(http: HttpApp, stores: StoresService): void {
  const common = { tag: 'stores', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'PUT',
    url: '/api/stores/:id',
    summary: 'Create or change a store or dealer (the id is the brand’s own store code)',
    params: storeParamsSchema,
    body: saveStoreBodySchema,
    response: storeSchema,
    refusals: { '201': 'Created: no store had that id', '409': 'the dealer named is not a saved dealer' },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      const answer = await stores.save(workspaceId, params.id, body, idempotencyKey);
      return toRouteResult(answer, storeSchema, { keepStatus: answer.status === 201 });
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/stores',
    summary: 'Stores and dealers, with each one’s points budget',
    response: storeListSchema,
    handler: async ({ workspaceId }) => ({ stores: await stores.list(workspaceId) }),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/stores/:id',
    summary: 'One store',
    params: storeParamsSchema,
    response: storeSchema,
    handler: async ({ workspaceId, params }) => stores.get(workspaceId, params.id),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/stores/:id/members',
    summary: 'Members bound to the store (and, for a joint dealer, to its other stores), paged by member id',
    params: storeParamsSchema,
    query: pageQuerySchema,
    response: storeMembersSchema,
    handler: async ({ workspaceId, params, query }) => stores.members(workspaceId, params.id, query),
  });
  http.route({
    ...common,
    method: 'POST',
    url: '/api/members/:id/store',
    summary: 'Bind the member to a home store, with the guide who looks after them',
    params: memberParamsSchema,
    body: bindBodySchema,
    response: bindingSchema,
    refusals: { '404': 'unknown member or store' },
    handler: async ({ workspaceId, params, body }) =>
      toRouteResult(await stores.bind(workspaceId, params.id, body.storeId, body.guide), bindingSchema),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/members/:id/store',
    summary: 'The member’s home store and guide',
    params: memberParamsSchema,
    response: bindingSchema,
    handler: async ({ workspaceId, params }) => stores.binding(workspaceId, params.id),
  });
}

function registerBudgetRoutes(http: HttpApp, stores: StoresService): void {
  const common = { tag: 'stores', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'POST',
    url: '/api/stores/:id/budget',
    summary: 'The store buys points from the brand; the same reference buys once',
    params: storeParamsSchema,
    body: purchaseBodySchema,
    response: budgetAnswerSchema,
    refusals: {
      '404': 'unknown store',
      '422': 'the reference was used for another purchase, or the budget would pass the points ceiling',
    },
    handler: async ({ workspaceId, params, body }) =>
      toRouteResult(await stores.purchase(workspaceId, params.id, body.points, body.reference), budgetAnswerSchema),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/stores/:id/budget',
    summary: 'The store’s budget and its purchases and grants, newest first',
    params: storeParamsSchema,
    query: pageQuerySchema,
    response: budgetSchema,
    handler: async ({ workspaceId, params, query }) => stores.budget(workspaceId, params.id, query),
  });
  http.route({
    ...common,
    method: 'POST',
    url: '/api/stores/:id/grants',
    summary:
      'The store grants points from its budget to a member (in the member’s ledger with the store as source); idempotent by Idempotency-Key',
    params: storeParamsSchema,
    body: grantBodySchema,
    response: budgetAnswerSchema,
    refusals: { '404': 'unknown store or member', '409': 'insufficient_budget: the body gives `budget`' },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      return toRouteResult(await stores.grant(workspaceId, params.id, body, idempotencyKey), budgetAnswerSchema);
    },
  });
}

export function registerStoresRoutes(http: HttpApp, dependencies: { stores: StoresService }): void {
  registerStoreRoutes(http, dependencies.stores);
  registerBudgetRoutes(http, dependencies.stores);
}
