import type { z } from 'zod';
import type { HttpApp } from '../../platform/http/app.ts';
import { toRouteResult } from '../../platform/http/routes.ts';
import { memberParamsSchema } from './coupons.schema.ts';
import {
  membershipViewSchema,
  planListSchema,
  planParamsSchema,
  planSchema,
  planViewSchema,
  refundBodySchema,
  renewBodySchema,
  subscribeBodySchema,
} from './membership.schema.ts';
import type { MembershipsService } from './memberships.service.ts';

const refusals = {
  '404': 'unknown member, plan or payment',
  '409': 'already_member, not_member, no_trial, trial_used, reference_used',
  '422': 'an Idempotency-Key reused for another request',
};

function registerMemberAction<B>(
  http: HttpApp,
  memberships: MembershipsService,
  route: {
    path: string;
    summary: string;
    body?: z.ZodType<B>;
    toAction(body: B): Parameters<MembershipsService['act']>[2];
  },
): void {
  http.route({
    method: 'POST',
    url: `/api/members/:id/membership/${route.path}`,
    summary: route.summary,
    tag: 'benefits',
    auth: 'secret',
    params: memberParamsSchema,
    ...(route.body ? { body: route.body } : {}),
    response: membershipViewSchema,
    refusals,
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      return toRouteResult(
        await memberships.act(workspaceId, params.id, route.toAction(body), idempotencyKey),
        membershipViewSchema,
      );
    },
  });
}

export function registerMembershipsRoutes(http: HttpApp, dependencies: { memberships: MembershipsService }): void {
  const { memberships } = dependencies;
  const common = { tag: 'benefits', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'PUT',
    url: '/api/membership-plans/:id',
    summary: 'Create or change a paid membership plan: price, term, trial and benefits',
    params: planParamsSchema,
    body: planSchema,
    response: planViewSchema,
    refusals: { '201': 'Created: no plan had that id' },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      const answer = await memberships.savePlan(workspaceId, params.id, body, idempotencyKey);
      return toRouteResult(answer, planViewSchema, { keepStatus: answer.status === 201 });
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/membership-plans',
    summary: 'Paid membership plans',
    response: planListSchema,
    handler: async ({ workspaceId }) => ({ plans: await memberships.listPlans(workspaceId) }),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/members/:id/membership',
    summary:
      'The member’s paid membership, payments, savings this term, and what each plan would have saved them over the last 12 months',
    params: memberParamsSchema,
    response: membershipViewSchema,
    handler: async ({ workspaceId, params }) => memberships.view(workspaceId, params.id),
  });
  registerMemberAction(http, memberships, {
    path: 'subscribe',
    summary:
      'Subscribe with an external payment reference (or start the plan’s trial); the same reference subscribes once',
    body: subscribeBodySchema,
    toAction: (body) => ({ action: 'subscribe', ...body }),
  });
  registerMemberAction(http, memberships, {
    path: 'renew',
    summary: 'Renew for another term from the end of this one (or from now, once expired)',
    body: renewBodySchema,
    toAction: (body) => ({ action: 'renew', ...body }),
  });
  registerMemberAction(http, memberships, {
    path: 'cancel',
    summary: 'Cancel at the end of the term: the benefits last until then',
    toAction: () => ({ action: 'cancel' }),
  });
  registerMemberAction(http, memberships, {
    path: 'refund',
    summary: 'Refund a payment: the membership ends now',
    body: refundBodySchema,
    toAction: (body) => ({ action: 'refund', ...body }),
  });
}
