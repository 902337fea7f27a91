import type { DbExecutor } from '../../platform/db/database.ts';
import { chunks } from '../../platform/db/chunks.ts';
import type { MemberRewardsTable } from '../../platform/db/benefits-schema.ts';
import type { RewardOutcome } from './reward-outcomes.ts';
import { rewardKindSchema, rewardReasonSchema, rewardStatusSchema, type RewardStatus } from './reward.schema.ts';

/** Members' rewards, granted or not: queries only. */

const rowsPerInsert = 200;

function toRow(outcome: RewardOutcome): MemberRewardsTable {
  return {
    id: outcome.id,
    workspace_id: outcome.workspaceId,
    member_id: outcome.memberId,
    source: outcome.source,
    kind: outcome.kind,
    template_id: outcome.templateId,
    points: outcome.points,
    status: outcome.status,
    reason: outcome.reason,
    message: outcome.message,
    coupon_id: outcome.couponId,
    at: outcome.at,
    event_id: outcome.eventId,
  };
}

function toOutcome(row: MemberRewardsTable): RewardOutcome {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    memberId: row.member_id,
    source: row.source,
    kind: rewardKindSchema.parse(row.kind),
    templateId: row.template_id,
    points: row.points === null ? null : Number(row.points),
    status: rewardStatusSchema.parse(row.status),
    couponId: row.coupon_id,
    reason: row.reason === null ? null : rewardReasonSchema.parse(row.reason),
    message: row.message,
    at: Number(row.at),
    eventId: row.event_id,
  };
}

export async function saveRewards(db: DbExecutor, outcomes: RewardOutcome[]): Promise<void> {
  for (const chunk of chunks(outcomes, rowsPerInsert)) {
    await db.insertInto('member_rewards').values(chunk.map(toRow)).execute();
  }
}

export async function loadMemberRewards(
  db: DbExecutor,
  workspaceId: string,
  memberId: string,
  status: RewardStatus | undefined,
): Promise<RewardOutcome[]> {
  let query = db
    .selectFrom('member_rewards')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('member_id', '=', memberId);
  if (status !== undefined) query = query.where('status', '=', status);
  return (await query.orderBy('at').orderBy('id').execute()).map(toOutcome);
}

/** The tables whose rows `reassignRewards` moves: a merged member with none needs nothing. */
export const memberRewardTables = ['member_rewards'] as const;

/** A merged member's rewards are the survivor's: each stays one reward, due when it was. */
export async function reassignRewards(db: DbExecutor, mergedId: string, survivorId: string): Promise<void> {
  await db.updateTable('member_rewards').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
}

export const rewardDerivedTables = ['member_rewards'] as const;
