import type { Stage } from '../../platform/processor/stage.ts';
import { reassignMergedRows } from '../../platform/db/merged-rows.ts';
import { rewardOutcomesOf } from './reward-outcomes.ts';
import * as repo from './rewards.repo.ts';

/**
 * Rewards: every reward the benefit stages before it made a member due, granted or not (with why),
 * so none is skipped silently. It reads only their derived events; after coupons, which decides
 * whether a granted coupon could be issued.
 */
export function createRewardsStage(): Stage {
  return {
    name: 'rewards',
    async apply(batch) {
      const outcomes = rewardOutcomesOf(batch.derivedEvents);
      if (outcomes.length > 0) await repo.saveRewards(batch.transaction, outcomes);
      // Merges after the rows: a reward due before a merge in this batch names the member it had
      // then (the stages before fold merges at their place), and moves with that member's rows,
      // as it would had the merge come in a later batch.
      await reassignMergedRows(
        batch.transaction,
        batch.merges,
        { tables: repo.memberRewardTables },
        (merged, survivor) => repo.reassignRewards(batch.transaction, merged, survivor),
      );
      for (const outcome of outcomes) batch.changedMembers.add(outcome.memberId);
    },
    async reset(transaction) {
      for (const table of repo.rewardDerivedTables) await transaction.deleteFrom(table).execute();
    },
  };
}
