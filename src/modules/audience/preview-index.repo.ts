import type { DbExecutor } from '../../platform/db/database.ts';

/** A page of the workspace's live members, in id order, after `afterId`. */
export async function readLiveMemberIds(
  db: DbExecutor,
  workspaceId: string,
  afterId: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('members')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '>', afterId)
    .where('merged_into', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

export async function countLiveMembers(db: DbExecutor, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('members')
    .select((expression) => expression.fn.countAll<number | string>().as('members'))
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.members);
}

/** Who carries each of the tags, now. */
export async function readTagCarriers(db: DbExecutor, workspaceId: string, tagIds: readonly string[]) {
  if (tagIds.length === 0) return [];
  return db
    .selectFrom('member_tags')
    .select(['tag_id', 'member_id'])
    .where('workspace_id', '=', workspaceId)
    .where('tag_id', 'in', [...tagIds])
    .execute();
}
