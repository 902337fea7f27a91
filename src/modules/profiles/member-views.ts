import type { DbExecutor, SqliteConnection } from '../../platform/db/database.ts';
import { presentFeatures } from './features.ts';
import * as repo from './profiles.repo.ts';

export interface MemberView {
  traits: Record<string, unknown>;
  features: Record<string, unknown>;
  tier: string | null;
}

/**
 * What later stages (loyalty rules) may read of a member: traits and the same features the API
 * shows. Read inside the processing transaction, after this batch's profiles were saved.
 */
export async function loadMemberViews(
  db: DbExecutor,
  memberIds: string[],
  sqlite?: SqliteConnection,
): Promise<Map<string, MemberView>> {
  const views = new Map<string, MemberView>();
  for (const member of (await repo.loadMembers(db, memberIds, sqlite)).values()) {
    views.set(member.id, {
      traits: member.profile.traits.traits,
      features: presentFeatures(member.profile.features),
      tier: null,
    });
  }
  return views;
}

/** Traits alone, for stages that read nothing else (life stages read `children`). */
export async function loadMemberTraits(
  db: DbExecutor,
  memberIds: string[],
): Promise<Map<string, Record<string, unknown>>> {
  const traits = new Map<string, Record<string, unknown>>();
  for (const member of (await repo.loadMembers(db, memberIds)).values())
    traits.set(member.id, member.profile.traits.traits);
  return traits;
}

/** The member each id ended up in, following merges (an id that was never merged maps to itself). */
export async function findSurvivors(db: DbExecutor, memberIds: string[]): Promise<Map<string, string>> {
  const survivors = new Map<string, string>();
  const current = new Map(memberIds.map((id) => [id, id]));
  for (let depth = 0; current.size > 0 && depth < 32; depth += 1) {
    const members = await repo.loadMergeTargets(db, [...new Set(current.values())]);
    for (const [start, id] of current) {
      const mergedInto = members.get(id)?.mergedInto;
      if (mergedInto) current.set(start, mergedInto);
      else {
        survivors.set(start, id);
        current.delete(start);
      }
    }
  }
  return survivors;
}

/** Like findSurvivors, keeping only ids of members of the workspace (an uploaded list may hold strangers). */
export async function findWorkspaceSurvivors(
  db: DbExecutor,
  workspaceId: string,
  memberIds: string[],
): Promise<Map<string, string>> {
  const survivors = await findSurvivors(db, memberIds);
  const members = await repo.loadMergeTargets(db, [...new Set(survivors.values())]);
  return new Map([...survivors].filter(([, survivor]) => members.get(survivor)?.workspaceId === workspaceId));
}
