import type { DbTransaction } from '../../platform/db/database.ts';
import type { ActiveProgram } from './loyalty-fold.ts';
import * as repo from './loyalty.repo.ts';

/**
 * The saved program versions of each workspace, as the loyalty stage last read them. A version is
 * never changed once saved and versions are only added, so the cached map stays true until a batch
 * activates a version it does not hold (an activation is an event in the log, whichever process
 * saved the version). Reading and copying every version for every batch was a fixed cost that
 * ledger operations, a few per batch, paid in full.
 */
export interface ProgramVersionsCache {
  read(
    transaction: DbTransaction,
    workspaceId: string,
    wanted: Array<number | null | undefined>,
  ): Promise<Map<number, ActiveProgram>>;
}

/** Deeply frozen: batches share these documents, so none may change one for the next. */
function freezeDeeply<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) freezeDeeply(inner);
    Object.freeze(value);
  }
  return value;
}

export function createProgramVersionsCache(capacity = 1_000): ProgramVersionsCache {
  const byWorkspace = new Map<string, Map<number, ActiveProgram>>();
  return {
    async read(transaction, workspaceId, wanted) {
      const cached = byWorkspace.get(workspaceId);
      const holdsAll = (versions: Map<number, ActiveProgram>) =>
        wanted.every((version) => version === null || version === undefined || versions.has(version));
      if (cached && holdsAll(cached)) return cached;
      const versions = await repo.readProgramsByVersion(transaction, workspaceId);
      for (const program of versions.values()) freezeDeeply(program);
      byWorkspace.delete(workspaceId);
      if (byWorkspace.size >= capacity) byWorkspace.delete(byWorkspace.keys().next().value as string);
      byWorkspace.set(workspaceId, versions);
      return versions;
    },
  };
}
