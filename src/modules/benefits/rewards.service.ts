import type { Database } from '../../platform/db/database.ts';
import type { RewardOutcome } from './reward-outcomes.ts';
import type { RewardStatus, RewardView } from './reward.schema.ts';
import * as repo from './rewards.repo.ts';

export interface RewardsService {
  /** Every reward the member was due, oldest first; granted or not (with why), or only those of one status. */
  ofMember(
    workspaceId: string,
    memberId: string,
    status: RewardStatus | undefined,
  ): Promise<{ memberId: string; rewards: RewardView[] }>;
}

function toView(outcome: RewardOutcome): RewardView {
  const { workspaceId: _workspaceId, memberId: _memberId, at, ...shown } = outcome;
  return { ...shown, at: new Date(at).toISOString() };
}

export function createRewardsService(dependencies: {
  database: Database;
  resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
}): RewardsService {
  return {
    async ofMember(workspaceId, memberIdParam, status) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const rewards = await repo.loadMemberRewards(dependencies.database.db, workspaceId, memberId, status);
      return { memberId, rewards: rewards.map(toView) };
    },
  };
}
