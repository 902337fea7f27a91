import type { Stage } from './platform/processor/stage.ts';
import type { WorkspaceService } from './modules/workspaces/workspaces.service.ts';
import { createIdentityStage } from './modules/identity/identity.stage.ts';
import { createProfilesStage } from './modules/profiles/profiles.stage.ts';
import { findSurvivors, loadMemberTraits, loadMemberViews } from './modules/profiles/member-views.ts';
import { createLoyaltyStage } from './modules/loyalty/loyalty.stage.ts';
import { readTierIds } from './modules/loyalty/loyalty.repo.ts';
import { createCouponsStage } from './modules/benefits/coupons.stage.ts';
import { createProductCodesStage } from './modules/benefits/product-codes.stage.ts';
import { createStoresStage } from './modules/stores/stores.stage.ts';
import { createBadgesStage } from './modules/benefits/badges.stage.ts';
import { createMembershipsStage } from './modules/benefits/memberships.stage.ts';
import { createReferralsStage } from './modules/benefits/referrals.stage.ts';
import { createLifeStagesStage } from './modules/audience/life-stages.stage.ts';
import { createTagsStage } from './modules/audience/tags.stage.ts';
import { createSegmentsStage } from './modules/audience/segments.stage.ts';

/** The processor's stages, in order: one list for the processor wherever it runs (this thread, the log's thread). */
export function createStages({ workspaces }: { workspaces: WorkspaceService }): Stage[] {
  return [
    createIdentityStage({ workspaces }),
    createProfilesStage({ workspaces }),
    // Benefits before loyalty: the points they grant are earned at the place of the event that granted them.
    createStoresStage({ survivors: findSurvivors }),
    createProductCodesStage({ views: { survivors: findSurvivors } }),
    createMembershipsStage({ workspaces, views: { survivors: findSurvivors } }),
    createReferralsStage({ workspaces, views: { survivors: findSurvivors } }),
    // After referrals: a badge may count the referrals a member completed.
    createBadgesStage({ workspaces, views: { survivors: findSurvivors } }),
    createCouponsStage({ workspaces, views: { survivors: findSurvivors, tiers: readTierIds } }),
    createLoyaltyStage({ workspaces, views: { load: loadMemberViews, survivors: findSurvivors } }),
    createLifeStagesStage({ workspaces, traits: { traits: loadMemberTraits } }),
    createTagsStage({ reader: { survivors: findSurvivors } }),
    createSegmentsStage({ workspaces }),
  ];
}
