import type { Insertable } from 'kysely';
import type { DbExecutor } from '../../platform/db/database.ts';
import { parseJson } from '../../platform/db/json.ts';
import { cachedStatement, runMultiRow, selectByIds, type WriteScope } from '../../platform/db/sqlite-statements.ts';
import type { IdentityLogTable } from '../../platform/db/schema.ts';
import type { Identifier } from './identity.schema.ts';
import { chunks } from '../../platform/db/chunks.ts';

export interface IdentifierRow extends Identifier {
  memberId: string;
}

interface IdentifierRecord {
  type: string;
  value: string;
  member_id: string;
}

function toIdentifierRows(found: IdentifierRecord[]): IdentifierRow[] {
  return found.map((row) => ({ type: row.type, value: row.value, memberId: row.member_id }));
}

export async function findIdentifiersByValues(
  scope: WriteScope,
  workspaceId: string,
  values: ReadonlySet<string>,
): Promise<IdentifierRow[]> {
  const found = await selectByIds<IdentifierRecord>(
    scope.sqlite,
    { head: 'select type, value, member_id from identifiers where workspace_id = ? and value', leading: [workspaceId] },
    [...values],
    (chunk) =>
      scope.transaction
        .selectFrom('identifiers')
        .select(['type', 'value', 'member_id'])
        .where('workspace_id', '=', workspaceId)
        .where('value', 'in', chunk)
        .execute(),
  );
  return toIdentifierRows(found);
}

export async function findIdentifiersOfMembers(scope: WriteScope, memberIds: string[]): Promise<IdentifierRow[]> {
  const found = await selectByIds<IdentifierRecord>(
    scope.sqlite,
    {
      head: 'select type, value, member_id from identifiers where member_id',
      tail: ' order by linked_at, type, value',
    },
    [...new Set(memberIds)],
    (chunk) =>
      scope.transaction
        .selectFrom('identifiers')
        .select(['type', 'value', 'member_id'])
        .where('member_id', 'in', chunk)
        .orderBy('linked_at')
        .orderBy('type')
        .orderBy('value')
        .execute(),
  );
  return toIdentifierRows(found);
}

export async function insertIdentifiers(
  scope: WriteScope,
  workspaceId: string,
  rows: Array<IdentifierRow & { linkedAt: number; eventId: string }>,
): Promise<void> {
  if (scope.sqlite) {
    // OR FAIL, here and in the identity log's and members' inserts: a multi-row insert that may
    // ABORT makes SQLite copy every page it touches into a statement journal first, so it can undo
    // its own rows; the processor's transaction rolls back whole on any error, so FAIL (stop, keep
    // them) ends the same, without the copies (1.8% of the main thread's samples had gone to such copies,
    // these inserts' and the upserts').
    runMultiRow(
      scope.sqlite,
      {
        head: 'insert or fail into identifiers (workspace_id, type, value, member_id, linked_at, event_id)',
        row: '(?, ?, ?, ?, ?, ?)',
      },
      rows,
      (row) => [workspaceId, row.type, row.value, row.memberId, row.linkedAt, row.eventId],
    );
    return;
  }
  for (const chunk of chunks(rows)) {
    await scope.transaction
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
export async function reassignMember(
  scope: WriteScope,
  mergedId: string,
  survivorId: string,
  now: number,
): Promise<void> {
  const { sqlite } = scope;
  if (sqlite) {
    cachedStatement(sqlite, 'update identifiers set member_id = ? where member_id = ?').run(survivorId, mergedId);
    cachedStatement(sqlite, 'update event_members set member_id = ? where member_id = ?').run(survivorId, mergedId);
    cachedStatement(sqlite, 'update members set merged_into = ?, updated_at = ? where id = ? or merged_into = ?').run(
      survivorId,
      now,
      mergedId,
      mergedId,
    );
    return;
  }
  const db = scope.transaction;
  await db.updateTable('identifiers').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
  await db.updateTable('event_members').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
  await db
    .updateTable('members')
    .set({ merged_into: survivorId, updated_at: now })
    .where((eb) => eb.or([eb('id', '=', mergedId), eb('merged_into', '=', mergedId)]))
    .execute();
}

export async function insertMembers(
  scope: WriteScope,
  rows: Array<{ id: string; workspaceId: string; createdAt: number; eventId: string }>,
): Promise<void> {
  if (scope.sqlite) {
    runMultiRow(
      scope.sqlite,
      {
        head: 'insert or fail into members (id, workspace_id, created_at, created_by_event, merged_into, traits, trait_times, features, updated_at)',
        row: `(?, ?, ?, ?, null, '{}', '{}', '{}', ?)`,
      },
      rows,
      (row) => [row.id, row.workspaceId, row.createdAt, row.eventId, row.createdAt],
    );
    return;
  }
  for (const chunk of chunks(rows)) {
    await scope.transaction
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

export type IdentityLogRow = Insertable<IdentityLogTable>;

/**
 * One entry of the identity log, every column written out in one order: a batch builds one for
 * each link it makes, and spreading a shared base into each had cost 2–3 µs an entry (the clone,
 * then a map transition for each column added), and given the insert's reads of them many shapes.
 */
export function identityLogEntry(
  cause: { workspaceId: string; eventId: string; at: number },
  kind: IdentityLogTable['kind'],
  members: { memberId: string; otherMemberId: string | null },
  identifier: Identifier | null,
  detail: string,
): IdentityLogRow {
  return {
    workspace_id: cause.workspaceId,
    kind,
    member_id: members.memberId,
    other_member_id: members.otherMemberId,
    identifier_type: identifier === null ? null : identifier.type,
    identifier_value: identifier === null ? null : identifier.value,
    event_id: cause.eventId,
    at: cause.at,
    detail,
  };
}

export async function insertIdentityLog(scope: WriteScope, rows: IdentityLogRow[]): Promise<void> {
  if (scope.sqlite) {
    runMultiRow(
      scope.sqlite,
      {
        head: 'insert or fail into identity_log (workspace_id, kind, member_id, other_member_id, identifier_type, identifier_value, event_id, at, detail)',
        row: '(?, ?, ?, ?, ?, ?, ?, ?, ?)',
      },
      rows,
      (row) => [
        row.workspace_id,
        row.kind,
        row.member_id,
        row.other_member_id ?? null,
        row.identifier_type ?? null,
        row.identifier_value ?? null,
        row.event_id,
        row.at,
        row.detail,
      ],
    );
    return;
  }
  for (const chunk of chunks(rows, 300)) await scope.transaction.insertInto('identity_log').values(chunk).execute();
}

export interface EventAttribution {
  seq: number;
  memberId: string | null;
}

/**
 * Records the member of many events (none: the event has no row). New events only gain rows; a
 * split re-attributes earlier ones, hence the upsert.
 */
export async function setEventMembers(
  scope: WriteScope,
  workspaceId: string,
  assignments: EventAttribution[],
): Promise<void> {
  const attributed = assignments.filter((assignment) => assignment.memberId !== null);
  const unattributed = assignments.filter((assignment) => assignment.memberId === null).map(({ seq }) => seq);
  if (scope.sqlite) {
    runMultiRow(
      scope.sqlite,
      {
        head: 'insert into event_members (seq, workspace_id, member_id)',
        row: '(?, ?, ?)',
        tail: ' on conflict (seq) do update set member_id = excluded.member_id',
      },
      attributed,
      (assignment) => [assignment.seq, workspaceId, assignment.memberId],
    );
  } else {
    for (const chunk of chunks(attributed)) {
      await scope.transaction
        .insertInto('event_members')
        .values(chunk.map(({ seq, memberId }) => ({ seq, workspace_id: workspaceId, member_id: memberId as string })))
        .onConflict((conflict) =>
          conflict.column('seq').doUpdateSet((eb) => ({ member_id: eb.ref('excluded.member_id') })),
        )
        .execute();
    }
  }
  for (const chunk of chunks(unattributed)) {
    await scope.transaction.deleteFrom('event_members').where('seq', 'in', chunk).execute();
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

/** The owners of many values of one type: value → member. */
export async function findOwners(
  db: DbExecutor,
  workspaceId: string,
  type: string,
  values: string[],
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const chunk of chunks(values)) {
    const rows = await db
      .selectFrom('identifiers')
      .select(['value', 'member_id'])
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', type)
      .where('value', 'in', chunk)
      .execute();
    for (const row of rows) owners.set(row.value, row.member_id);
  }
  return owners;
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
  await db.deleteFrom('event_members').execute();
}
