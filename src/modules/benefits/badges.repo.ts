import type { DbExecutor } from '../../platform/db/database.ts';
import { chunks } from '../../platform/db/chunks.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import type { MemberBadgesTable } from '../../platform/db/benefits-schema.ts';
import type { BadgeDefinition } from './badge-definition.schema.ts';
import { loadDefinitions, saveDefinition } from './definitions.repo.ts';
import type { BadgeFoldState, BadgeState, MemberBadge } from './badge-fold.ts';
import type { Contribution } from './badge-rules.ts';

/** Badge definitions and members' badges: queries only. */

export async function loadBadges(db: DbExecutor, workspaceId: string): Promise<Map<string, BadgeState>> {
  const saved = await loadDefinitions<BadgeDefinition>(db, 'badge_definitions', workspaceId);
  return new Map([...saved].map(([id, badge]) => [id, { id, ...badge }]));
}

function toMemberBadge(row: MemberBadgesTable): MemberBadge {
  return {
    memberId: row.member_id,
    badgeId: row.badge_id,
    contributions: parseJson<Contribution[]>(row.contributions),
    levelIndex: Number(row.level_index),
    value: Number(row.value),
    awardedAt: row.awarded_at === null ? null : Number(row.awarded_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function loadMemberBadges(db: DbExecutor, memberIds: string[]): Promise<MemberBadge[]> {
  const found: MemberBadge[] = [];
  for (const chunk of chunks(memberIds)) {
    const rows = await db.selectFrom('member_badges').selectAll().where('member_id', 'in', chunk).execute();
    found.push(...rows.map(toMemberBadge));
  }
  return found;
}

export async function saveBadgeState(db: DbExecutor, state: BadgeFoldState): Promise<void> {
  for (const badgeId of state.changedBadges) {
    const badge = state.badges.get(badgeId);
    if (badge)
      await saveDefinition(db, 'badge_definitions', { workspaceId: state.workspaceId, id: badgeId, saved: badge });
  }
  const rows = [...state.changed].flatMap((key) => {
    const held = state.held.get(key);
    const level = held ? state.badges.get(held.badgeId)?.definition.levels[held.levelIndex]?.name : undefined;
    if (!held) return [];
    return [
      {
        workspace_id: state.workspaceId,
        member_id: held.memberId,
        badge_id: held.badgeId,
        level_index: held.levelIndex,
        level: level ?? null,
        value: held.value,
        contributions: toJson(held.contributions),
        awarded_at: held.awardedAt,
        updated_at: held.updatedAt,
      },
    ];
  });
  for (const chunk of chunks(rows, 200)) {
    await db
      .insertInto('member_badges')
      .values(chunk)
      .onConflict((conflict) =>
        conflict.columns(['member_id', 'badge_id']).doUpdateSet((eb) => ({
          level_index: eb.ref('excluded.level_index'),
          level: eb.ref('excluded.level'),
          value: eb.ref('excluded.value'),
          contributions: eb.ref('excluded.contributions'),
          awarded_at: eb.ref('excluded.awarded_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** A merged member's badges become the survivor's where the survivor has none of that badge. */
/** The tables whose rows `reassignBadges` moves: a merged member with none needs nothing. */
export const memberStateTables = ['member_badges'] as const;

export async function reassignBadges(db: DbExecutor, mergedId: string, survivorId: string): Promise<void> {
  const survivorHas = await db
    .selectFrom('member_badges')
    .select('badge_id')
    .where('member_id', '=', survivorId)
    .execute();
  const taken = survivorHas.map((row) => row.badge_id);
  let moving = db.updateTable('member_badges').set({ member_id: survivorId }).where('member_id', '=', mergedId);
  if (taken.length > 0) moving = moving.where('badge_id', 'not in', taken);
  await moving.execute();
  await db.deleteFrom('member_badges').where('member_id', '=', mergedId).execute();
}

export async function readHolders(
  db: DbExecutor,
  workspaceId: string,
  badgeId: string,
  page: { fromLevel: number; limit: number; afterMemberId?: string | undefined },
) {
  let query = db
    .selectFrom('member_badges')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('badge_id', '=', badgeId)
    .where('level_index', '>=', page.fromLevel);
  if (page.afterMemberId) query = query.where('member_id', '>', page.afterMemberId);
  return (await query.orderBy('member_id').limit(page.limit).execute()).map(toMemberBadge);
}

export async function countHolders(db: DbExecutor, workspaceId: string): Promise<Map<string, Map<number, number>>> {
  const rows = await db
    .selectFrom('member_badges')
    .select(['badge_id', 'level_index', (eb) => eb.fn.countAll<number>().as('count')])
    .where('workspace_id', '=', workspaceId)
    .where('level_index', '>=', 0)
    .groupBy(['badge_id', 'level_index'])
    .execute();
  const counts = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const perLevel = counts.get(row.badge_id) ?? new Map<number, number>();
    perLevel.set(Number(row.level_index), Number(row.count));
    counts.set(row.badge_id, perLevel);
  }
  return counts;
}

export const badgeDerivedTables = ['badge_definitions', 'member_badges'] as const;
