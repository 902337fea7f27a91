import type { DbExecutor } from '../../platform/db/database.ts';
import type { ApiKeysTable, WorkspacesTable } from '../../platform/db/schema.ts';
import type { Insertable, Selectable } from 'kysely';

export type WorkspaceRow = Selectable<WorkspacesTable>;

export async function insertWorkspace(db: DbExecutor, row: Insertable<WorkspacesTable>): Promise<void> {
  await db.insertInto('workspaces').values(row).execute();
}

export async function insertApiKey(db: DbExecutor, row: Insertable<ApiKeysTable>): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

export async function findWorkspaceById(db: DbExecutor, id: string): Promise<WorkspaceRow | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listWorkspaces(db: DbExecutor): Promise<WorkspaceRow[]> {
  return db.selectFrom('workspaces').selectAll().orderBy('id').execute();
}

export async function findWorkspaceIdByKeyHash(
  db: DbExecutor,
  kind: 'write' | 'secret',
  keyHash: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select('workspace_id')
    .where('key_hash', '=', keyHash)
    .where('kind', '=', kind)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.workspace_id;
}

export async function updateIdentitySettings(db: DbExecutor, workspaceId: string, settings: string): Promise<void> {
  await db.updateTable('workspaces').set({ identity_settings: settings }).where('id', '=', workspaceId).execute();
}

export async function resetIdentitySettings(db: DbExecutor): Promise<void> {
  await db.updateTable('workspaces').set({ identity_settings: '{}' }).execute();
}
