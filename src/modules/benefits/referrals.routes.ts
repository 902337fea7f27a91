import type { HttpApp } from '../../platform/http/app.ts';
import { toRouteResult } from '../../platform/http/routes.ts';
import { memberParamsSchema } from './coupons.schema.ts';
import {
  linkAnswerSchema,
  linkBodySchema,
  referralCodeSchema,
  referralProgramSchema,
  referralTreeSchema,
  treeQuerySchema,
} from './referral.schema.ts';
import type { ReferralsService } from './referrals.service.ts';

export function registerReferralsRoutes(http: HttpApp, dependencies: { referrals: ReferralsService }): void {
  const { referrals } = dependencies;
  const common = { tag: 'benefits', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'PUT',
    url: '/api/referrals/program',
    summary: 'The referral program: rewards to both sides, the qualifying order, the return window, caps per referrer',
    body: referralProgramSchema,
    response: referralProgramSchema,
    idempotencyKey: true,
    handler: async ({ workspaceId, body, idempotencyKey }) =>
      toRouteResult(await referrals.saveProgram(workspaceId, body, idempotencyKey), referralProgramSchema),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/referrals/program',
    summary: 'The referral program in force',
    response: referralProgramSchema,
    handler: async ({ workspaceId }) => referrals.program(workspaceId),
  });
  http.route({
    ...common,
    method: 'POST',
    url: '/api/members/:id/referral-code',
    summary: 'The member’s referral code and link (made on first ask, the same ever after)',
    params: memberParamsSchema,
    response: referralCodeSchema,
    handler: async ({ workspaceId, params }) => referrals.issueCode(workspaceId, params.id),
  });
  http.route({
    ...common,
    method: 'POST',
    url: '/api/referrals/link',
    summary:
      'Link a new member to the referrer whose code they signed up with (or send `Signed Up` with `referral_code`)',
    body: linkBodySchema,
    response: linkAnswerSchema,
    successStatus: 201,
    refusals: {
      '200': 'already linked to this referrer',
      '404': 'unknown code',
      '409': 'self_referral, already_referred, not_new (has ordered), cycle, no_program',
    },
    idempotencyKey: true,
    handler: async ({ workspaceId, body, idempotencyKey }) => {
      const answer = await referrals.link(workspaceId, body.member, body.code, idempotencyKey);
      return toRouteResult(answer, linkAnswerSchema, { keepStatus: answer.status === 200 });
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/members/:id/referrals',
    summary: 'Who referred the member, whom they referred (and how many each of those brought), counts by status',
    params: memberParamsSchema,
    query: treeQuerySchema,
    response: referralTreeSchema,
    handler: async ({ workspaceId, params, query }) => referrals.tree(workspaceId, params.id, query.limit),
  });
}
