import { createHttpApp, type HttpApp } from './platform/http/app.ts';
import { registerIngestRoutes } from './modules/ingest/ingest.routes.ts';
import { registerIdentityRoutes } from './modules/identity/identity.routes.ts';
import { registerProfilesRoutes } from './modules/profiles/profiles.routes.ts';
import { registerLoyaltyRoutes } from './modules/loyalty/loyalty.routes.ts';
import { registerAnalyticsRoutes } from './modules/audience/analytics.routes.ts';
import { registerAudienceRoutes } from './modules/audience/audience.routes.ts';
import { registerTagsRoutes } from './modules/audience/tags.routes.ts';
import { registerSegmentsRoutes } from './modules/audience/segments.routes.ts';
import { registerWorkspaceRoutes } from './modules/workspaces/workspaces.routes.ts';
import { registerCouponsRoutes } from './modules/benefits/coupons.routes.ts';
import { registerProductCodesRoutes } from './modules/benefits/product-codes.routes.ts';
import { registerStoresRoutes } from './modules/stores/stores.routes.ts';
import { registerBadgesRoutes } from './modules/benefits/badges.routes.ts';
import { registerRewardsRoutes } from './modules/benefits/rewards.routes.ts';
import { registerMembershipsRoutes } from './modules/benefits/memberships.routes.ts';
import { registerReferralsRoutes } from './modules/benefits/referrals.routes.ts';
import { registerQualityRoutes } from './modules/quality/quality.routes.ts';
import type { Runtime } from './runtime.ts';

export const hearthVersion = '0.1.0';

/** Every module's routes on one Fastify app; used by `hearth serve` and by tests through real HTTP. */
export function buildHttpApp(runtime: Runtime, options: { isReady?: () => boolean } = {}): HttpApp {
  const http = createHttpApp({
    logger: runtime.logger,
    version: hearthVersion,
    authenticateSecret: (key) => runtime.workspaces.authenticate('secret', key),
    isReady: options.isReady ?? (() => true),
  });
  registerIngestRoutes(http, {
    ingest: runtime.ingest,
    authenticateWriteKey: (key) => runtime.workspaces.authenticate('write', key),
  });
  registerWorkspaceRoutes(http, { workspaces: runtime.workspaces });
  registerProfilesRoutes(http, {
    profiles: runtime.profiles,
    identity: runtime.identity,
    tagsOf: (workspaceId, memberId) => runtime.tags.tagsOf(workspaceId, memberId),
    currencyOf: async (workspaceId) => (await runtime.workspaces.get(workspaceId))?.currency ?? '',
  });
  registerIdentityRoutes(http, { identity: runtime.identity, workspaces: runtime.workspaces });
  registerLoyaltyRoutes(http, { loyalty: runtime.loyalty, workspaces: runtime.workspaces });
  registerAnalyticsRoutes(http, { analytics: runtime.analytics });
  registerTagsRoutes(http, { tags: runtime.tags });
  registerSegmentsRoutes(http, {
    segments: runtime.segments,
    resolveMemberId: (workspaceId, memberId) => runtime.identity.resolveMemberId(workspaceId, memberId),
  });
  registerCouponsRoutes(http, { coupons: runtime.coupons });
  registerProductCodesRoutes(http, { productCodes: runtime.productCodes });
  registerStoresRoutes(http, { stores: runtime.stores });
  registerBadgesRoutes(http, { badges: runtime.badges });
  registerRewardsRoutes(http, { rewards: runtime.rewards });
  registerMembershipsRoutes(http, { memberships: runtime.memberships });
  registerReferralsRoutes(http, { referrals: runtime.referrals });
  registerQualityRoutes(http, { quality: runtime.quality });
  registerAudienceRoutes(http, {
    lifeStages: runtime.lifeStages,
    resolveMemberId: (workspaceId, memberId) => runtime.identity.resolveMemberId(workspaceId, memberId),
  });
  return http;
}

export interface RunningServer {
  url: string;
  http: HttpApp;
  close(): Promise<void>;
}

export interface ServerOptions {
  port: number;
  host: string;
  /** Run the processor in this process (default). Off when `hearth worker` processes elsewhere. */
  process?: boolean;
}

export async function startServer(runtime: Runtime, options: ServerOptions): Promise<RunningServer> {
  let ready = false;
  const http = buildHttpApp(runtime, { isReady: () => ready });
  const address = await http.app.listen({ port: options.port, host: options.host });
  if (options.process !== false) runtime.startProcessing();
  ready = true;
  const url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  return {
    url,
    http,
    close: async () => {
      ready = false;
      await http.app.close();
    },
  };
}
