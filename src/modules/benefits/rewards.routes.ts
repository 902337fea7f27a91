import type { HttpApp } from '../../platform/http/app.ts';
import { memberParamsSchema } from './coupons.schema.ts';
import { memberRewardsQuerySchema, memberRewardsSchema } from './reward.schema.ts';
import type { RewardsService } from './rewards.service.ts';

export function registerRewardsRoutes(http: HttpApp, dependencies: { rewards: RewardsService }): void {
  http.route({
    tag: 'benefits',
    auth: 'secret',
    method: 'GET',
    url: '/api/members/:id/rewards',
    summary:
      'Every reward the member was due (badge levels, plans, referrals, product codes): granted, or not with the reason',
    params: memberParamsSchema,
    query: memberRewardsQuerySchema,
    response: memberRewardsSchema,
    handler: async ({ workspaceId, params, query }) =>
      dependencies.rewards.ofMember(workspaceId, params.id, query.status),
  });
}
