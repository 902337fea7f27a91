import type { Clock } from '../../platform/clock.ts';
import type { Database, DbExecutor } from '../../platform/db/database.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import { createId } from '../../platform/ids.ts';
import { generateKey, hashKey, keyPrefix } from './keys.ts';
import {
  createWorkspaceSchema,
  type CreateWorkspaceInput,
  type KeyKind,
  type Workspace,
  type WorkspaceKeys,
} from './workspaces.schema.ts';
import * as repo from './workspaces.repo.ts';

/** What other modules need to know of a workspace to process its data. */
export interface WorkspaceContext extends Workspace {
  /** Raw identity settings; the identity module parses and applies its defaults. */
  identitySettings: unknown;
}

export interface WorkspaceService {
  create(input: CreateWorkspaceInput): Promise<WorkspaceKeys & { workspace: Workspace }>;
  /**
   * Pass the open transaction when calling from inside one: on SQLite the database has a single
   * connection, so a query on the pool would wait for the transaction that is waiting for it.
   */
  get(workspaceId: string, executor?: DbExecutor): Promise<WorkspaceContext | undefined>;
  list(): Promise<Workspace[]>;
  authenticate(kind: KeyKind, key: string): Promise<string | undefined>;
  /**
   * Identity settings are derived from the log (the identity stage applies each change where it
   * stands), so these are read fresh, never from the cache, and written inside the processing
   * transaction.
   */
  identitySettings(workspaceId: string, executor?: DbExecutor): Promise<unknown>;
  saveIdentitySettings(workspaceId: string, settings: unknown, executor: DbExecutor): Promise<void>;
  resetIdentitySettings(executor: DbExecutor): Promise<void>;
  /** First start on an empty database: create "Default" and hand back its keys (shown once). */
  ensureDefaultWorkspace(): Promise<(WorkspaceKeys & { workspace: Workspace }) | undefined>;
}

const cacheMilliseconds = 5_000;

function toWorkspace(row: repo.WorkspaceRow): WorkspaceContext {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    timezone: row.timezone,
    phoneRegion: row.phone_region,
    createdAt: new Date(row.created_at).toISOString(),
    identitySettings: parseJson<unknown>(row.identity_settings),
  };
}

export function createWorkspaceService(database: Database, clock: Clock): WorkspaceService {
  const keyCache = new Map<string, { workspaceId: string | undefined; until: number }>();
  const workspaceCache = new Map<string, { workspace: WorkspaceContext | undefined; until: number }>();

  async function create(input: CreateWorkspaceInput): Promise<WorkspaceKeys & { workspace: Workspace }> {
    const parsed = createWorkspaceSchema.parse(input);
    const now = clock.now();
    const workspaceId = `ws_${createId(now)}`;
    const writeKey = generateKey('write');
    const secretKey = generateKey('secret');
    await database.db.transaction().execute(async (transaction) => {
      await repo.insertWorkspace(transaction, {
        id: workspaceId,
        name: parsed.name,
        currency: parsed.currency,
        timezone: parsed.timezone,
        phone_region: parsed.phoneRegion,
        identity_settings: toJson({}),
        created_at: now,
      });
      for (const [kind, key] of [
        ['write', writeKey],
        ['secret', secretKey],
      ] as const) {
        await repo.insertApiKey(transaction, {
          id: `key_${createId(now)}`,
          workspace_id: workspaceId,
          kind,
          key_hash: hashKey(key),
          key_prefix: keyPrefix(key),
          created_at: now,
          revoked_at: null,
        });
      }
    });
    const workspace: Workspace = {
      id: workspaceId,
      name: parsed.name,
      currency: parsed.currency,
      timezone: parsed.timezone,
      phoneRegion: parsed.phoneRegion,
      createdAt: new Date(now).toISOString(),
    };
    return { workspaceId, writeKey, secretKey, workspace };
  }

  async function get(workspaceId: string, executor: DbExecutor = database.db): Promise<WorkspaceContext | undefined> {
    const now = clock.now();
    const cached = workspaceCache.get(workspaceId);
    if (cached && cached.until > now) return cached.workspace;
    const row = await repo.findWorkspaceById(executor, workspaceId);
    const workspace = row ? toWorkspace(row) : undefined;
    workspaceCache.set(workspaceId, { workspace, until: now + cacheMilliseconds });
    return workspace;
  }

  async function authenticate(kind: KeyKind, key: string): Promise<string | undefined> {
    const hash = hashKey(key);
    const cacheKey = `${kind}:${hash}`;
    const now = clock.now();
    const cached = keyCache.get(cacheKey);
    if (cached && cached.until > now) return cached.workspaceId;
    const workspaceId = await repo.findWorkspaceIdByKeyHash(database.db, kind, hash);
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(cacheKey, { workspaceId, until: now + cacheMilliseconds });
    return workspaceId;
  }

  async function list(): Promise<Workspace[]> {
    const rows = await repo.listWorkspaces(database.db);
    return rows.map((row) => {
      const { identitySettings: _ignored, ...workspace } = toWorkspace(row);
      return workspace;
    });
  }

  async function identitySettings(workspaceId: string, executor: DbExecutor = database.db): Promise<unknown> {
    const row = await repo.findWorkspaceById(executor, workspaceId);
    return row ? toWorkspace(row).identitySettings : undefined;
  }

  async function saveIdentitySettings(workspaceId: string, settings: unknown, executor: DbExecutor): Promise<void> {
    await repo.updateIdentitySettings(executor, workspaceId, toJson(settings));
    workspaceCache.delete(workspaceId);
  }

  async function resetIdentitySettings(executor: DbExecutor): Promise<void> {
    await repo.resetIdentitySettings(executor);
    workspaceCache.clear();
  }

  async function ensureDefaultWorkspace(): Promise<(WorkspaceKeys & { workspace: Workspace }) | undefined> {
    const existing = await repo.listWorkspaces(database.db);
    if (existing.length > 0) return undefined;
    return create({ name: 'Default' });
  }

  return {
    create,
    get,
    list,
    authenticate,
    identitySettings,
    saveIdentitySettings,
    resetIdentitySettings,
    ensureDefaultWorkspace,
  };
}
