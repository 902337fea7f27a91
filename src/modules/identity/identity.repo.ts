import { sql, type Insertable } from 'kysely';
import type { DbExecutor, DialectName } from '../../platform/db/database.ts';
import { parseJson } from '../../platform/db/json.ts';
import type { IdentityLogTable } from '../../platform/db/schema.ts';
import type { Identifier } from './identity.schema.ts';

const chunkSize = 500;

function chunks<T>(items: T[], size = chunkSize): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export interface IdentifierRow extends Identifier {
  memberId: string;
}

export async function findIdentifiersByValues(
  db: DbExecutor,
  workspaceId: string,
  values: string[],
): Promise<IdentifierRow[]> {
  const rows: IdentifierRow[] = [];
  for (const chunk of chunks([...new Set(values)])) {
    const found = await db
      .selectFrom('identifiers')
      .select(['type', 'value', 'member_id'])
      .where('workspace_id', '=', workspaceId)
      .where('value', 'in', chunk)
      .execute();
    for (const row of found) rows.push({ type: row.type, value: row.value, memberId: row.member_id });
  }
  return rows;
}

export async function findIdentifiersOfMembers(db: DbExecutor, memberIds: string[]): Promise<IdentifierRow[]> {
  const rows: IdentifierRow[] = [];
  for (const chunk of chunks([...new Set(memberIds)])) {
    const found = await db
      .selectFrom('identifiers')
      .select(['type', 'value', 'member_id'])
      .where('member_id', 'in', chunk)
      .orderBy('linked_at')
      .orderBy('type')
      .orderBy('value')
      .execute();
    for (const row of found) rows.push({ type: row.type, value: row.value, memberId: row.member_id });
  }
  return rows;
}

export async function insertIdentifiers(
  db: DbExecutor,
  workspaceId: string,
  rows: Array<IdentifierRow & { linkedAt: number; eventId: string }>,
): Promise<void> {
  for (const chunk of chunks(rows)) {
    await db
      .insertInto('identifiers')
      .values(
        chunk.map((row) => ({
          workspace_id: workspaceId,
          type: row.type,
          value: row.value,
          member_id: row.memberId,
          linked_at: row.linkedAt,
          event_id: row.eventId,
        })),
      )
      .execute();
  }
}

export async function deleteIdentifier(db: DbExecutor, workspaceId: string, identifier: Identifier): Promise<void> {
  await db
    .deleteFrom('identifiers')
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', identifier.type)
    .where('value', '=', identifier.value)
    .execute();
}

export async function setIdentifierOwners(db: DbExecutor, workspaceId: string, rows: IdentifierRow[]): Promise<void> {
  for (const row of rows) {
    await db
      .updateTable('identifiers')
      .set({ member_id: row.memberId })
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', row.type)
      .where('value', '=', row.value)
      .execute();
  }
}

/** Everything the merged member owned or was credited with now belongs to the survivor. */
export async function reassignMember(db: DbExecutor, mergedId: string, survivorId: string, now: number): Promise<void> {
  await db.updateTable('identifiers').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
  await db.updateTable('events').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
  await db
    .updateTable('members')
    .set({ merged_into: survivorId, updated_at: now })
    .where((eb) => eb.or([eb('id', '=', mergedId), eb('merged_into', '=', mergedId)]))
    .execute();
}

export async function insertMembers(
  db: DbExecutor,
  rows: Array<{ id: string; workspaceId: string; createdAt: number; eventId: string }>,
): Promise<void> {
  for (const chunk of chunks(rows)) {
    await db
      .insertInto('members')
      .values(
        chunk.map((row) => ({
          id: row.id,
          workspace_id: row.workspaceId,
          created_at: row.createdAt,
          created_by_event: row.eventId,
          merged_into: null,
          traits: '{}',
          trait_times: '{}',
          features: '{}',
          updated_at: row.createdAt,
        })),
      )
      .execute();
  }
}

export async function insertIdentityLog(db: DbExecutor, rows: Array<Insertable<IdentityLogTable>>): Promise<void> {
  for (const chunk of chunks(rows, 300)) await db.insertInto('identity_log').values(chunk).execute();
}

/** One statement sets the member of many events: UPDATE … FROM (VALUES …), valid in both dialects. */
export async function setEventMembers(
  db: DbExecutor,
  dialect: DialectName,
  assignments: Array<{ seq: number; memberId: string | null }>,
): Promise<void> {
  for (const chunk of chunks(assignments)) {
    const rows = chunk.map((assignment) =>
      dialect === 'postgres'
        ? sql`(cast(${assignment.seq} as bigint), cast(${assignment.memberId} as text))`
        : sql`(${assignment.seq}, ${assignment.memberId})`,
    );
    await sql`update events set member_id = v.column2 from (values ${sql.join(rows)}) as v where events.seq = v.column1`.execute(
      db,
    );
  }
}

export async function findMergedInto(
  db: DbExecutor,
  memberId: string,
): Promise<{ workspaceId: string; mergedInto: string | null } | undefined> {
  const row = await db
    .selectFrom('members')
    .select(['workspace_id', 'merged_into'])
    .where('id', '=', memberId)
    .executeTakeFirst();
  return row ? { workspaceId: row.workspace_id, mergedInto: row.merged_into } : undefined;
}

export async function findOwner(
  db: DbExecutor,
  workspaceId: string,
  identifier: Identifier,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('identifiers')
    .select('member_id')
    .where('workspace_id', '=', workspaceId)
    .where('value', '=', identifier.value)
    .where('type', '=', identifier.type)
    .executeTakeFirst();
  return row?.member_id;
}

export async function readIdentityLog(db: DbExecutor, memberIds: string[]) {
  const rows = await db
    .selectFrom('identity_log')
    .selectAll()
    .where((eb) => eb.or([eb('member_id', 'in', memberIds), eb('other_member_id', 'in', memberIds)]))
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ ...row, detail: parseJson<Record<string, unknown>>(row.detail) }));
}

export async function findMergedMemberIds(db: DbExecutor, survivorId: string): Promise<string[]> {
  const rows = await db.selectFrom('members').select('id').where('merged_into', '=', survivorId).execute();
  return rows.map((row) => row.id);
}

export async function resetIdentity(db: DbExecutor): Promise<void> {
  await db.deleteFrom('identity_log').execute();
  await db.deleteFrom('identifiers').execute();
  await db.deleteFrom('members').execute();
  await db.updateTable('events').set({ member_id: null }).where('member_id', 'is not', null).execute();
}
