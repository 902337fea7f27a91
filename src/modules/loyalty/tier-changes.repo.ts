import { chunks } from '../../platform/db/chunks.ts';
import type { DbExecutor } from '../../platform/db/database.ts';
import type { StoredTierChange } from './loyalty-fold.ts';

const rowsPerInsert = 300;

export async function insertTierChanges(db: DbExecutor, workspaceId: string, changes: StoredTierChange[]) {
  for (const chunk of chunks(changes, rowsPerInsert)) {
    await db
      .insertInto('loyalty_tier_changes')
      .values(
        chunk.map((change) => ({
          id: change.id,
          workspace_id: workspaceId,
          member_id: change.memberId,
          from_tier: change.from,
          to_tier: change.to,
          at: change.at,
          reason: change.reason,
          event_id: change.eventId,
        })),
      )
      .execute();
  }
}

/** The workspace's tier changes in log order, after `afterId`. */
export async function readTierChanges(
  db: DbExecutor,
  workspaceId: string,
  options: { afterId?: string | undefined; limit: number },
) {
  let query = db.selectFrom('loyalty_tier_changes').selectAll().where('workspace_id', '=', workspaceId);
  if (options.afterId) query = query.where('id', '>', options.afterId);
  const rows = await query.orderBy('id').limit(options.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    memberId: row.member_id,
    from: row.from_tier,
    to: row.to_tier,
    at: Number(row.at),
    reason: row.reason,
    eventId: row.event_id,
  }));
}
