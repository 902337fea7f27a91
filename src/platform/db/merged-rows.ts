import { sql } from 'kysely';
import { chunks } from './chunks.ts';
import type { DbExecutor } from './database.ts';

export interface MergeStep {
  mergedId: string;
  survivorId: string;
}

/**
 * Where a merged member's rows are: tables with a `member_id` column, and for a table indexed by
 * workspace first (member_tags) the workspace, so the lookup uses that index.
 */
export interface MemberRowTables {
  tables: readonly string[];
  workspaceId?: string;
}

/** Which of `memberIds` have a row in any of the tables. */
async function holdersAmong(db: DbExecutor, where: MemberRowTables, memberIds: string[]): Promise<Set<string>> {
  const holders = new Set<string>();
  const inWorkspace = where.workspaceId === undefined ? sql`` : sql`workspace_id = ${where.workspaceId} and `;
  for (const table of where.tables) {
    for (const ids of chunks(memberIds)) {
      const found = await sql<{ member_id: string }>`select distinct member_id from ${sql.table(table)}
        where ${inWorkspace}member_id in (${sql.join(ids)})`.execute(db);
      for (const row of found.rows) holders.add(row.member_id);
    }
  }
  return holders;
}

/**
 * Runs `reassign` for each merge, in order, whose merged member holds rows in the tables by then:
 * its own, or rows an earlier merge of the batch moved to it. For any other merge the reassign
 * would change nothing, and most merges join members with no coupons, badges or scans: one
 * lookup per table and batch replaces several statements per merge (there are thousands a batch
 * while a log of new members is processed).
 */
export async function reassignMergedRows(
  db: DbExecutor,
  merges: readonly MergeStep[],
  where: MemberRowTables,
  reassign: (mergedId: string, survivorId: string) => Promise<void>,
): Promise<void> {
  if (merges.length === 0) return;
  const holders = await holdersAmong(db, where, [...new Set(merges.map((merge) => merge.mergedId))]);
  for (const merge of merges) {
    if (!holders.has(merge.mergedId)) continue;
    await reassign(merge.mergedId, merge.survivorId);
    holders.add(merge.survivorId);
  }
}
