import type { Selectable } from 'kysely';
import type { DbExecutor, SqliteConnection } from '../../platform/db/database.ts';
import type { MembersTable } from '../../platform/db/schema.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import { cachedStatement, runMultiRow, selectByIds, type WriteScope } from '../../platform/db/sqlite-statements.ts';
import { emptyFeatures, type FeatureState } from './features.ts';
import type { ProfileState } from './profile-fold.ts';
import { chunks } from '../../platform/db/chunks.ts';

export interface MemberRow {
  id: string;
  workspaceId: string;
  createdAt: number;
  createdByEvent: string;
  mergedInto: string | null;
  profile: ProfileState;
  updatedAt: number;
}

type MemberRecord = Selectable<MembersTable>;

/**
 * Members with their profiles. `sqlite`: the processor's connection, only inside its transaction:
 * the rows are then read by cached statements, one per chunk shape (Kysely's building of the id
 * list had cost more than the lookups, in every processing batch).
 */
export async function loadMembers(
  db: DbExecutor,
  ids: string[],
  sqlite?: SqliteConnection,
): Promise<Map<string, MemberRow>> {
  const members = new Map<string, MemberRow>();
  const rows = await selectByIds<MemberRecord>(
    sqlite,
    { head: 'select * from members where id' },
    [...new Set(ids)],
    (chunk) => db.selectFrom('members').selectAll().where('id', 'in', chunk).execute(),
  );
  for (const row of rows) {
    members.set(row.id, {
      id: row.id,
      workspaceId: row.workspace_id,
      createdAt: row.created_at,
      createdByEvent: row.created_by_event,
      mergedInto: row.merged_into,
      profile: {
        traits: {
          traits: parseJson<Record<string, unknown>>(row.traits),
          times: parseJson<Record<string, [number, number]>>(row.trait_times),
        },
        features: { ...emptyFeatures(), ...parseJson<Partial<FeatureState>>(row.features) },
      },
      updatedAt: row.updated_at,
    });
  }
  return members;
}

/**
 * Where each of these members went (null: it was never merged) and its workspace, without the
 * profile columns: following merges is asked by most stages of every batch, and parsing each
 * member's traits and features for it cost more than the lookup.
 */
export async function loadMergeTargets(
  db: DbExecutor,
  ids: string[],
): Promise<Map<string, { workspaceId: string; mergedInto: string | null }>> {
  const targets = new Map<string, { workspaceId: string; mergedInto: string | null }>();
  for (const chunk of chunks([...new Set(ids)])) {
    const rows = await db
      .selectFrom('members')
      .select(['id', 'workspace_id', 'merged_into'])
      .where('id', 'in', chunk)
      .execute();
    for (const row of rows) targets.set(row.id, { workspaceId: row.workspace_id, mergedInto: row.merged_into });
  }
  return targets;
}

/** SQLite: the same upsert as the Kysely path, as a cached multi-row statement (processing's hot path). */
const upsertProfilesSqlite = {
  head: 'insert into members (id, workspace_id, created_at, created_by_event, merged_into, traits, trait_times, features, updated_at)',
  row: '(?, ?, ?, ?, ?, ?, ?, ?, ?)',
  tail:
    ' on conflict (id) do update set traits = excluded.traits, trait_times = excluded.trait_times,' +
    ' features = excluded.features, updated_at = excluded.updated_at',
};

/** Members exist already (identity created them); this rewrites their profile columns in bulk. */
export async function saveProfiles(scope: WriteScope, members: MemberRow[], now: number): Promise<void> {
  if (scope.sqlite) {
    runMultiRow(scope.sqlite, upsertProfilesSqlite, members, (member) => [
      member.id,
      member.workspaceId,
      member.createdAt,
      member.createdByEvent,
      member.mergedInto,
      toJson(member.profile.traits.traits),
      toJson(member.profile.traits.times),
      toJson(member.profile.features),
      now,
    ]);
    return;
  }
  for (const chunk of chunks(members, 300)) {
    await scope.transaction
      .insertInto('members')
      .values(
        chunk.map((member) => ({
          id: member.id,
          workspace_id: member.workspaceId,
          created_at: member.createdAt,
          created_by_event: member.createdByEvent,
          merged_into: member.mergedInto,
          traits: toJson(member.profile.traits.traits),
          trait_times: toJson(member.profile.traits.times),
          features: toJson(member.profile.features),
          updated_at: now,
        })),
      )
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          traits: eb.ref('excluded.traits'),
          trait_times: eb.ref('excluded.trait_times'),
          features: eb.ref('excluded.features'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

export async function reassignOrders(scope: WriteScope, fromMemberId: string, toMemberId: string): Promise<void> {
  if (scope.sqlite) {
    cachedStatement(scope.sqlite, 'update orders set member_id = ? where member_id = ?').run(toMemberId, fromMemberId);
    return;
  }
  await scope.transaction
    .updateTable('orders')
    .set({ member_id: toMemberId })
    .where('member_id', '=', fromMemberId)
    .execute();
}

export async function deleteOrdersOfMembers(db: DbExecutor, memberIds: string[]): Promise<void> {
  for (const chunk of chunks(memberIds)) await db.deleteFrom('orders').where('member_id', 'in', chunk).execute();
}

export async function resetProfiles(db: DbExecutor): Promise<void> {
  await db.deleteFrom('orders').execute();
}
