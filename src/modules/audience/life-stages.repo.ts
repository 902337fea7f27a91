import { chunks } from '../../platform/db/chunks.ts';
import type { DbExecutor } from '../../platform/db/database.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import { clearTimers } from '../../platform/timers/timers.repo.ts';
import { lifeStageLevelsSchema, type LifeStageLevel } from './life-stage-levels.schema.ts';
import type { ChildStage } from './life-stages.ts';

export const lifeStageTimerOwner = 'life-stages';

export async function loadChildStages(
  db: DbExecutor,
  workspaceId: string,
  memberIds: string[],
): Promise<Map<string, ChildStage[]>> {
  const stages = new Map<string, ChildStage[]>();
  for (const chunk of chunks(memberIds)) {
    const rows = await db
      .selectFrom('member_life_stages')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', chunk)
      .orderBy('child_key')
      .execute();
    for (const row of rows) {
      const list = stages.get(row.member_id) ?? [];
      list.push({
        childKey: row.child_key,
        stageId: row.stage_id,
        since: row.since === null ? null : Number(row.since),
        nextStageId: row.next_stage_id,
        nextStageAt: row.next_stage_at === null ? null : Number(row.next_stage_at),
      });
      stages.set(row.member_id, list);
    }
  }
  return stages;
}

/** Replaces the members' child stages with these (an empty list removes a member's). */
export async function saveChildStages(db: DbExecutor, workspaceId: string, stages: Map<string, ChildStage[]>) {
  for (const chunk of chunks([...stages.keys()])) {
    await db
      .deleteFrom('member_life_stages')
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', chunk)
      .execute();
  }
  const rows = [...stages].flatMap(([memberId, children]) =>
    children.map((child) => ({
      workspace_id: workspaceId,
      member_id: memberId,
      child_key: child.childKey,
      stage_id: child.stageId,
      since: child.since,
      next_stage_id: child.nextStageId,
      next_stage_at: child.nextStageAt,
    })),
  );
  for (const chunk of chunks(rows, 300)) await db.insertInto('member_life_stages').values(chunk).execute();
}

/** Members per stage; a member with children in two stages counts in both. */
export async function countMembersByStage(db: DbExecutor, workspaceId: string): Promise<Map<string | null, number>> {
  const rows = await db
    .selectFrom('member_life_stages')
    .select((expression) => ['stage_id', expression.fn.count<number>('member_id').distinct().as('members')])
    .where('workspace_id', '=', workspaceId)
    .groupBy('stage_id')
    .execute();
  return new Map(rows.map((row) => [row.stage_id, Number(row.members)]));
}

export async function membersWithChildren(db: DbExecutor, workspaceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('member_life_stages')
    .select('member_id')
    .distinct()
    .where('workspace_id', '=', workspaceId)
    .execute();
  return rows.map((row) => row.member_id);
}

/** The workspace's levels as the log last set them; null for the defaults. */
export async function readLevels(db: DbExecutor, workspaceId: string): Promise<LifeStageLevel[] | null> {
  const row = await db
    .selectFrom('life_stage_levels')
    .select('levels')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) return null;
  const parsed = lifeStageLevelsSchema.safeParse(parseJson<unknown>(row.levels));
  return parsed.success ? parsed.data : null;
}

export async function saveLevels(db: DbExecutor, workspaceId: string, levels: LifeStageLevel[], eventId: string) {
  await db
    .insertInto('life_stage_levels')
    .values({ workspace_id: workspaceId, levels: toJson(levels), event_id: eventId })
    .onConflict((conflict) =>
      conflict.column('workspace_id').doUpdateSet({ levels: toJson(levels), event_id: eventId }),
    )
    .execute();
}

export async function resetLifeStages(db: DbExecutor): Promise<void> {
  await db.deleteFrom('member_life_stages').execute();
  await db.deleteFrom('life_stage_levels').execute();
  await clearTimers(db, lifeStageTimerOwner);
}
