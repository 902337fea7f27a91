import { chunks } from '../../platform/db/chunks.ts';
import type { DbExecutor } from '../../platform/db/database.ts';
import type { Tag } from './tags.schema.ts';

export interface TagDefinition {
  id: string;
  workspaceId: string;
  family: string;
  name: string;
  kind: string;
  description: string | null;
  createdAt: number;
}

export async function insertDefinition(db: DbExecutor, tag: TagDefinition): Promise<boolean> {
  const inserted = await db
    .insertInto('tag_definitions')
    .values({
      id: tag.id,
      workspace_id: tag.workspaceId,
      family: tag.family,
      name: tag.name,
      kind: tag.kind,
      description: tag.description,
      created_at: tag.createdAt,
    })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'family', 'name']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

const definitionColumns = [
  'definition.id',
  'definition.family',
  'definition.name',
  'definition.kind',
  'definition.description',
  'definition.created_at',
] as const;

/** Definitions with how many members carry each. */
export async function listTags(
  db: DbExecutor,
  workspaceId: string,
  filter: { family?: string | undefined; id?: string } = {},
): Promise<Tag[]> {
  let query = db
    .selectFrom('tag_definitions as definition')
    .leftJoin('member_tags as carried', (join) =>
      join.onRef('carried.tag_id', '=', 'definition.id').onRef('carried.workspace_id', '=', 'definition.workspace_id'),
    )
    .leftJoin('segments as rule', 'rule.tag_id', 'definition.id')
    .select((expression) => [
      ...definitionColumns,
      'rule.id as segment_id',
      expression.fn.count<number>('carried.member_id').as('members'),
    ])
    .where('definition.workspace_id', '=', workspaceId);
  if (filter.family) query = query.where('definition.family', '=', filter.family);
  if (filter.id) query = query.where('definition.id', '=', filter.id);
  const rows = await query
    .groupBy([...definitionColumns, 'rule.id'])
    .orderBy('definition.family')
    .orderBy('definition.name')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    family: row.family,
    name: row.name,
    kind: row.kind,
    description: row.description,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    members: Number(row.members),
    segmentId: row.segment_id,
  }));
}

/** Of these tag ids, the ones the workspace has a tag for. */
export async function existingTagIds(db: DbExecutor, workspaceId: string, tagIds: string[]): Promise<Set<string>> {
  if (tagIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('tag_definitions')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', tagIds)
    .execute();
  return new Set(rows.map((row) => row.id));
}

export async function deleteDefinition(db: DbExecutor, workspaceId: string, tagId: string): Promise<void> {
  await db.deleteFrom('tag_definitions').where('workspace_id', '=', workspaceId).where('id', '=', tagId).execute();
}

export async function addMembers(
  db: DbExecutor,
  workspaceId: string,
  tagId: string,
  memberIds: string[],
  origin: { since: number; eventId: string },
): Promise<void> {
  const rows = memberIds.map((memberId) => ({
    workspace_id: workspaceId,
    tag_id: tagId,
    member_id: memberId,
    since: origin.since,
    event_id: origin.eventId,
  }));
  for (const chunk of chunks(rows, 300)) {
    await db
      .insertInto('member_tags')
      .values(chunk)
      .onConflict((conflict) => conflict.columns(['workspace_id', 'tag_id', 'member_id']).doNothing())
      .execute();
  }
}

export async function removeMembers(db: DbExecutor, workspaceId: string, tagId: string, memberIds: string[]) {
  for (const chunk of chunks(memberIds)) {
    await db
      .deleteFrom('member_tags')
      .where('workspace_id', '=', workspaceId)
      .where('tag_id', '=', tagId)
      .where('member_id', 'in', chunk)
      .execute();
  }
}

export async function removeTagEverywhere(db: DbExecutor, workspaceId: string, tagId: string): Promise<void> {
  await db.deleteFrom('member_tags').where('workspace_id', '=', workspaceId).where('tag_id', '=', tagId).execute();
}

/** A merged member's tags go to the member they were merged into (kept from the earlier of the two). */
export async function moveTags(db: DbExecutor, workspaceId: string, mergedId: string, survivorId: string) {
  const held = await db
    .selectFrom('member_tags')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('member_id', '=', mergedId)
    .execute();
  for (const row of held) {
    await addMembers(db, workspaceId, row.tag_id, [survivorId], { since: Number(row.since), eventId: row.event_id });
  }
  await db
    .deleteFrom('member_tags')
    .where('workspace_id', '=', workspaceId)
    .where('member_id', '=', mergedId)
    .execute();
}

export async function tagsOfMember(db: DbExecutor, workspaceId: string, memberId: string) {
  return db
    .selectFrom('member_tags as carried')
    .innerJoin('tag_definitions as definition', 'definition.id', 'carried.tag_id')
    .select(['definition.id', 'definition.family', 'definition.name'])
    .where('carried.workspace_id', '=', workspaceId)
    .where('carried.member_id', '=', memberId)
    .orderBy('definition.family')
    .orderBy('definition.name')
    .execute();
}

export async function membersOfTag(
  db: DbExecutor,
  workspaceId: string,
  tagId: string,
  page: { afterMemberId?: string | undefined; limit: number },
) {
  let query = db
    .selectFrom('member_tags')
    .select(['member_id', 'since'])
    .where('workspace_id', '=', workspaceId)
    .where('tag_id', '=', tagId);
  if (page.afterMemberId) query = query.where('member_id', '>', page.afterMemberId);
  const rows = await query.orderBy('member_id').limit(page.limit).execute();
  return rows.map((row) => ({ memberId: row.member_id, since: Number(row.since) }));
}

export async function resetMemberTags(db: DbExecutor): Promise<void> {
  await db.deleteFrom('member_tags').execute();
}
