import { z } from 'zod';
import type { HttpApp } from '../../platform/http/app.ts';
import { Refusal, toRouteResult } from '../../platform/http/routes.ts';
import { csvLine } from '../audience/segment-export.ts';
import { couponTemplateDefinitionSchema } from './coupon-template.schema.ts';
import {
  claimBodySchema,
  codesAddedSchema,
  codesExportQuerySchema,
  couponJobSchema,
  couponParamsSchema,
  couponReportSchema,
  couponSchema,
  couponTemplateListSchema,
  couponTemplateSchema,
  generateCodesBodySchema,
  importCodesBodySchema,
  issueAnswerSchema,
  issueBodySchema,
  jobParamsSchema,
  memberCouponsQuerySchema,
  memberCouponsSchema,
  memberParamsSchema,
  redeemBodySchema,
  releaseBodySchema,
  reserveBodySchema,
  revokeBodySchema,
  templateParamsSchema,
} from './coupons.schema.ts';
import type { CouponAction, CouponsService } from './coupons.service.ts';

const couponAnswerSchema = z.object({ coupon: couponSchema });
const actionRefusals = {
  '404': 'Unknown coupon',
  '409':
    'The coupon cannot do that now: `error` names why (expired, already_redeemed, minimum_spend, not_stackable, …)',
  '422': 'An Idempotency-Key reused for another request',
};

function registerTemplateRoutes(http: HttpApp, coupons: CouponsService): void {
  const common = { tag: 'benefits', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'POST',
    url: '/api/coupon-templates',
    summary: 'Create a coupon template (idempotent by Idempotency-Key)',
    body: couponTemplateDefinitionSchema,
    response: couponTemplateSchema,
    successStatus: 201,
    refusals: { '409': 'another template has the name, or the shared code is in use' },
    idempotencyKey: true,
    handler: async ({ workspaceId, body, idempotencyKey }) => {
      return toRouteResult(
        await coupons.saveTemplate(workspaceId, body, { key: idempotencyKey }),
        couponTemplateSchema,
      );
    },
  });
  http.route({
    ...common,
    method: 'PUT',
    url: '/api/coupon-templates/:id',
    summary: 'Change a template: from now on issues and checkouts follow the new definition',
    params: templateParamsSchema,
    body: couponTemplateDefinitionSchema,
    response: couponTemplateSchema,
    refusals: { '404': 'no such template', '409': 'name or shared code in use, or the kind of codes changed' },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      return toRouteResult(
        await coupons.saveTemplate(workspaceId, body, { templateId: params.id, key: idempotencyKey }),
        couponTemplateSchema,
      );
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/coupon-templates',
    summary: 'Coupon templates with what they issued and the codes they have left',
    response: couponTemplateListSchema,
    handler: async ({ workspaceId }) => ({ templates: await coupons.listTemplates(workspaceId) }),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/coupon-templates/:id',
    summary: 'One coupon template',
    params: templateParamsSchema,
    response: couponTemplateSchema,
    handler: async ({ workspaceId, params }) => coupons.getTemplate(workspaceId, params.id),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/coupon-templates/:id/report',
    summary: 'Issued, collected, redeemed, rates, discount cost and attributed revenue, overall and per cohort',
    params: templateParamsSchema,
    response: couponReportSchema,
    handler: async ({ workspaceId, params }) => coupons.report(workspaceId, params.id),
  });
}

function registerCodeRoutes(http: HttpApp, coupons: CouponsService): void {
  const common = { tag: 'benefits', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'POST',
    url: '/api/coupon-templates/:id/codes/generate',
    summary: 'Generate unique random codes from the template pattern into its pool',
    params: templateParamsSchema,
    body: generateCodesBodySchema,
    response: codesAddedSchema,
    refusals: { '409': 'the template does not generate its codes' },
    handler: async ({ workspaceId, params, body }) => coupons.generateCodes(workspaceId, params.id, body.count),
  });
  http.route({
    ...common,
    method: 'POST',
    url: '/api/coupon-templates/:id/codes/import',
    summary: 'Add codes made elsewhere to the template pool; codes the workspace already has are counted as duplicates',
    params: templateParamsSchema,
    body: importCodesBodySchema,
    response: codesAddedSchema,
    refusals: { '409': 'the template does not take imported codes' },
    handler: async ({ workspaceId, params, body }) => coupons.importCodes(workspaceId, params.id, body.codes),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/coupon-templates/:id/codes',
    summary: 'The template pool as CSV (code, position, member_id, status), to print or hand to a partner',
    params: templateParamsSchema,
    query: codesExportQuerySchema,
    response: z.string(),
    responseType: 'text/csv',
    handler: async ({ workspaceId, params }) => {
      let csv = '';
      for await (const row of coupons.exportCodes(workspaceId, params.id)) csv += csvLine(row);
      return csv;
    },
  });
}

function registerIssueRoutes(http: HttpApp, coupons: CouponsService): void {
  const common = { tag: 'benefits', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'POST',
    url: '/api/coupon-templates/:id/issue',
    summary:
      'Issue to one member (201 with the coupon) or to a list or saved segment (202 with a job to follow); idempotent by Idempotency-Key',
    params: templateParamsSchema,
    body: issueBodySchema,
    response: issueAnswerSchema,
    successStatus: 201,
    refusals: {
      '202': 'a list or segment issue was accepted: follow the job',
      '409': 'quantity_exhausted, member_limit, no_codes_left or template_ended',
    },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, reply, idempotencyKey }) => {
      const answer = await coupons.issue(workspaceId, params.id, body, idempotencyKey);
      if (answer.status === 202) return toRouteResult(answer, issueAnswerSchema, { keepStatus: true });
      reply.status(201);
      return toRouteResult(answer, issueAnswerSchema);
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/coupon-jobs/:id',
    summary: 'Progress of a list or segment issue',
    params: jobParamsSchema,
    response: couponJobSchema,
    handler: async ({ workspaceId, params }) => coupons.job(workspaceId, params.id),
  });
}

function registerMemberRoutes(http: HttpApp, coupons: CouponsService): void {
  const common = { tag: 'benefits', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'GET',
    url: '/api/members/:id/coupons',
    summary: 'The member’s coupons, newest first, optionally of one status as of now',
    params: memberParamsSchema,
    query: memberCouponsQuerySchema,
    response: memberCouponsSchema,
    handler: async ({ workspaceId, params, query }) => ({
      memberId: params.id,
      ...(await coupons.ofMember(workspaceId, params.id, query)),
    }),
  });
  http.route({
    ...common,
    method: 'POST',
    url: '/api/members/:id/coupons/claim',
    summary: 'The member claims a coupon by its code (a shared code, or a printed one): it is issued and collected',
    params: memberParamsSchema,
    body: claimBodySchema,
    response: couponAnswerSchema,
    successStatus: 201,
    refusals: {
      '404': 'no coupon has that code',
      '409': 'code_taken, member_limit, quantity_exhausted, template_ended',
    },
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      const answer = await coupons.claim(workspaceId, params.id, body.code, idempotencyKey);
      return answer.status === 200 ? new Refusal(200, answer.body) : toRouteResult(answer, couponAnswerSchema);
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/coupons/:id',
    summary: 'One coupon, with its status as of now',
    params: couponParamsSchema,
    response: couponSchema,
    handler: async ({ workspaceId, params }) => coupons.get(workspaceId, params.id),
  });
}

type ActionBody<A extends CouponAction['action']> = Omit<Extract<CouponAction, { action: A }>, 'couponId' | 'action'>;

function registerActionRoute<A extends CouponAction['action'], B>(
  http: HttpApp,
  coupons: CouponsService,
  route: { action: A; summary: string; body?: z.ZodType<B>; toRequest(body: B): ActionBody<A> },
): void {
  http.route({
    method: 'POST',
    url: `/api/coupons/:id/${route.action}`,
    summary: `${route.summary}. Idempotent by the Idempotency-Key header.`,
    tag: 'benefits',
    auth: 'secret',
    params: couponParamsSchema,
    ...(route.body ? { body: route.body } : {}),
    response: couponAnswerSchema,
    refusals: actionRefusals,
    idempotencyKey: true,
    handler: async ({ workspaceId, params, body, idempotencyKey }) => {
      const action = { action: route.action, ...route.toRequest(body) } as Parameters<CouponsService['act']>[2];
      return toRouteResult(await coupons.act(workspaceId, params.id, action, idempotencyKey), couponAnswerSchema);
    },
  });
}

export function registerCouponsRoutes(http: HttpApp, dependencies: { coupons: CouponsService }): void {
  const { coupons } = dependencies;
  registerTemplateRoutes(http, coupons);
  registerCodeRoutes(http, coupons);
  registerIssueRoutes(http, coupons);
  registerMemberRoutes(http, coupons);
  registerActionRoute(http, coupons, {
    action: 'collect',
    summary: 'The member collects (claims) an issued coupon',
    toRequest: () => ({}),
  });
  registerActionRoute(http, coupons, {
    action: 'reserve',
    summary: 'Hold the coupon for a checkout: checks the order and prices the discount; the hold lapses by itself',
    body: reserveBodySchema,
    toRequest: (body) => ({ order: body.order }),
  });
  registerActionRoute(http, coupons, {
    action: 'redeem',
    summary:
      'Redeem on an order: a held coupon by orderId, or any usable coupon with the order; once per coupon, the same order again is the same answer',
    body: redeemBodySchema,
    toRequest: (body) => ({
      orderId: body.orderId ?? body.order?.orderId ?? '',
      ...(body.order ? { order: body.order } : {}),
    }),
  });
  registerActionRoute(http, coupons, {
    action: 'release',
    summary: 'Release a checkout hold',
    body: releaseBodySchema,
    toRequest: (body) => ({ orderId: body.orderId }),
  });
  registerActionRoute(http, coupons, {
    action: 'revoke',
    summary: 'Revoke an unredeemed coupon',
    body: revokeBodySchema,
    toRequest: (body) => ({ reason: body.reason }),
  });
}
