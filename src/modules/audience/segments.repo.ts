import { sql } from 'kysely';
import { chunks } from '../../platform/db/chunks.ts';
import type { DbExecutor } from '../../platform/db/database.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import { clearTimers } from '../../platform/timers/timers.repo.ts';
import type { SegmentDefinition } from './segment-definition.schema.ts';
import { rfmTimerOwner } from './segment-rfm.ts';
import type { ValueBand } from './value-bands.ts';

export const segmentTimerOwner = 'segments';
export const valueBandTimerOwner = 'value-bands';
export const birthdayTimerOwner = 'birthdays';

export interface StoredSegment {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  definition: SegmentDefinition;
  tagId: string | null;
  band: ValueBand | null;
  size: number;
  createdAt: number;
  updatedAt: number;
}

function fromRow(row: {
  id: string;
  workspace_id: string;
  name: string;
  description: string | null;
  definition: string;
  tag_id: string | null;
  band: string | null;
  size: number;
  created_at: number;
  updated_at: number;
}): StoredSegment {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    description: row.description,
    definition: parseJson<SegmentDefinition>(row.definition),
    tagId: row.tag_id,
    band: row.band === null ? null : parseJson<ValueBand>(row.band),
    size: Number(row.size),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export async function readSegments(
  db: DbExecutor,
  workspaceId: string,
  filter: { id?: string; name?: string } = {},
): Promise<StoredSegment[]> {
  let query = db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.id !== undefined) query = query.where('id', '=', filter.id);
  if (filter.name !== undefined) query = query.where('name', '=', filter.name);
  return (await query.orderBy('name').execute()).map(fromRow);
}

export async function saveSegment(db: DbExecutor, segment: Omit<StoredSegment, 'size'>): Promise<void> {
  const columns = {
    name: segment.name,
    description: segment.description,
    definition: toJson(segment.definition),
    tag_id: segment.tagId,
    band: segment.band === null ? null : toJson(segment.band),
    updated_at: segment.updatedAt,
  };
  await db
    .insertInto('segments')
    .values({ id: segment.id, workspace_id: segment.workspaceId, created_at: segment.createdAt, ...columns })
    .onConflict((conflict) => conflict.column('id').doUpdateSet(columns))
    .execute();
}

export async function deleteSegment(db: DbExecutor, workspaceId: string, segmentId: string): Promise<void> {
  await db.deleteFrom('segment_members').where('segment_id', '=', segmentId).execute();
  await db.deleteFrom('segment_sizes').where('segment_id', '=', segmentId).execute();
  await db.deleteFrom('segments').where('workspace_id', '=', workspaceId).where('id', '=', segmentId).execute();
}

/** The segments each member is in now. */
export async function membershipsOf(
  db: DbExecutor,
  workspaceId: string,
  memberIds: string[],
): Promise<Map<string, Set<string>>> {
  const held = new Map<string, Set<string>>();
  for (const chunk of chunks(memberIds)) {
    const rows = await db
      .selectFrom('segment_members')
      .select(['member_id', 'segment_id'])
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', chunk)
      .execute();
    for (const row of rows) {
      const set = held.get(row.member_id) ?? new Set<string>();
      set.add(row.segment_id);
      held.set(row.member_id, set);
    }
  }
  return held;
}

export interface MembershipChange {
  segmentId: string;
  memberId: string;
}

export async function addMemberships(db: DbExecutor, workspaceId: string, changes: MembershipChange[], at: number) {
  const rows = changes.map((change) => ({
    workspace_id: workspaceId,
    segment_id: change.segmentId,
    member_id: change.memberId,
    since: at,
  }));
  for (const chunk of chunks(rows, 300)) await db.insertInto('segment_members').values(chunk).execute();
}

export async function removeMemberships(db: DbExecutor, changes: MembershipChange[]): Promise<void> {
  const bySegment = new Map<string, string[]>();
  for (const change of changes)
    bySegment.set(change.segmentId, [...(bySegment.get(change.segmentId) ?? []), change.memberId]);
  for (const [segmentId, memberIds] of bySegment) {
    for (const chunk of chunks(memberIds)) {
      await db
        .deleteFrom('segment_members')
        .where('segment_id', '=', segmentId)
        .where('member_id', 'in', chunk)
        .execute();
    }
  }
}

/** Moves the size by what changed and records it as the day's closing size so far. */
export async function recordSizes(
  db: DbExecutor,
  workspaceId: string,
  deltas: Map<string, number>,
  day: string,
): Promise<void> {
  for (const [segmentId, delta] of deltas) {
    if (delta !== 0) {
      await db
        .updateTable('segments')
        .set({ size: sql<number>`size + ${delta}` })
        .where('id', '=', segmentId)
        .execute();
    }
    await db
      .insertInto('segment_sizes')
      .values((expression) => ({
        workspace_id: workspaceId,
        segment_id: segmentId,
        day,
        size: expression.selectFrom('segments').select('size').where('id', '=', segmentId),
      }))
      .onConflict((conflict) =>
        conflict
          .columns(['segment_id', 'day'])
          .doUpdateSet((expression) => ({ size: expression.ref('excluded.size') })),
      )
      .execute();
  }
}

/** Sets the size from the membership itself (after a whole-segment evaluation). */
export async function countSize(db: DbExecutor, segmentId: string): Promise<number> {
  const row = await db
    .selectFrom('segment_members')
    .select((expression) => expression.fn.countAll<number>().as('size'))
    .where('segment_id', '=', segmentId)
    .executeTakeFirst();
  const size = Number(row?.size ?? 0);
  await db.updateTable('segments').set({ size }).where('id', '=', segmentId).execute();
  return size;
}

export async function membersPage(
  db: DbExecutor,
  segmentId: string,
  page: { afterMemberId?: string | undefined; limit: number },
) {
  let query = db
    .selectFrom('segment_members')
    .select(['member_id', 'since'])
    .where('segment_id', '=', segmentId)
    .orderBy('member_id')
    .limit(page.limit);
  if (page.afterMemberId !== undefined) query = query.where('member_id', '>', page.afterMemberId);
  return (await query.execute()).map((row) => ({ memberId: row.member_id, since: Number(row.since) }));
}

export async function readSizes(db: DbExecutor, segmentId: string, range: { from?: string; to?: string }) {
  let query = db.selectFrom('segment_sizes').select(['day', 'size']).where('segment_id', '=', segmentId);
  if (range.from !== undefined) query = query.where('day', '>=', range.from);
  if (range.to !== undefined) query = query.where('day', '<=', range.to);
  return (await query.orderBy('day').execute()).map((row) => ({ day: row.day, size: Number(row.size) }));
}

export async function resetSegments(db: DbExecutor): Promise<void> {
  await db.deleteFrom('segment_members').execute();
  await db.deleteFrom('segment_sizes').execute();
  await db.deleteFrom('segments').execute();
  await db.deleteFrom('member_rfm').execute();
  await clearTimers(db, segmentTimerOwner);
  await clearTimers(db, rfmTimerOwner);
  await clearTimers(db, valueBandTimerOwner);
  await clearTimers(db, birthdayTimerOwner);
}

/** A segment by id alone: ids are unique across workspaces (the CLI names a segment by its id). */
export async function readSegmentById(db: DbExecutor, segmentId: string): Promise<StoredSegment | undefined> {
  const row = await db.selectFrom('segments').selectAll().where('id', '=', segmentId).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

/** The segments a member is in now, with since when. */
export async function segmentsOfMember(db: DbExecutor, workspaceId: string, memberId: string) {
  const rows = await db
    .selectFrom('segment_members as held')
    .innerJoin('segments as segment', 'segment.id', 'held.segment_id')
    .select(['segment.id', 'segment.name', 'held.since'])
    .where('held.workspace_id', '=', workspaceId)
    .where('held.member_id', '=', memberId)
    .orderBy('segment.name')
    .execute();
  return rows.map((row) => ({ id: row.id, name: row.name, since: new Date(Number(row.since)).toISOString() }));
}
