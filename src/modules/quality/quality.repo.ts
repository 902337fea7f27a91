import { chunks } from '../../platform/db/chunks.ts';
import type { DbExecutor } from '../../platform/db/database.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import type { EventRefusalsTable } from '../../platform/db/schema.ts';
import { orderLimitsSchema, refusalReasonSchema, type EventRefusal, type OrderLimits } from './quality.schema.ts';

/** Refused events and the workspaces' bounds: queries only. */

export type RefusalRow = EventRefusalsTable;

export async function insertRefusals(db: DbExecutor, rows: RefusalRow[]): Promise<void> {
  for (const chunk of chunks(rows, 200)) await db.insertInto('event_refusals').values(chunk).execute();
}

export function toRefusal(row: Pick<RefusalRow, 'reason' | 'field' | 'message'>): EventRefusal {
  // Only the quality stage writes these rows, always with one of the reasons.
  return { reason: refusalReasonSchema.parse(row.reason), field: row.field, message: row.message };
}

/** The refusals among these log positions. */
export async function findRefusals(db: DbExecutor, seqs: readonly number[]): Promise<Map<number, EventRefusal>> {
  const found = new Map<number, EventRefusal>();
  for (const chunk of chunks([...seqs])) {
    if (chunk.length === 0) continue;
    const rows = await db
      .selectFrom('event_refusals')
      .select(['seq', 'reason', 'field', 'message'])
      .where('seq', 'in', chunk)
      .execute();
    for (const row of rows) found.set(Number(row.seq), toRefusal(row));
  }
  return found;
}

export async function readLimits(db: DbExecutor, workspaceId: string): Promise<OrderLimits> {
  const row = await db
    .selectFrom('data_quality_settings')
    .select('limits')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  // Stored limits may predate a newer setting; parsing fills in its default.
  const parsed = orderLimitsSchema.safeParse(row ? parseJson<unknown>(row.limits) : {});
  return parsed.success ? parsed.data : orderLimitsSchema.parse({});
}

export async function saveLimits(db: DbExecutor, workspaceId: string, limits: OrderLimits, now: number) {
  await db
    .insertInto('data_quality_settings')
    .values({ workspace_id: workspaceId, limits: toJson(limits), updated_at: now })
    .onConflict((conflict) => conflict.column('workspace_id').doUpdateSet({ limits: toJson(limits), updated_at: now }))
    .execute();
}

export interface ReceivedWindow {
  workspaceId: string;
  from: number | undefined;
  to: number | undefined;
}

function refusalsIn(db: DbExecutor, window: ReceivedWindow) {
  let query = db.selectFrom('event_refusals').where('workspace_id', '=', window.workspaceId);
  if (window.from !== undefined) query = query.where('received_at', '>=', window.from);
  if (window.to !== undefined) query = query.where('received_at', '<', window.to);
  return query;
}

export async function countRefusalsByReason(db: DbExecutor, window: ReceivedWindow) {
  const rows = await refusalsIn(db, window)
    .select((eb) => [
      'reason',
      'event_name',
      eb.fn.countAll<number>().as('count'),
      eb.fn.max('received_at').as('last_received_at'),
    ])
    .groupBy(['reason', 'event_name'])
    .execute();
  return rows
    .map((row) => ({
      reason: refusalReasonSchema.parse(row.reason),
      event: row.event_name,
      count: Number(row.count),
      lastReceivedAt: Number(row.last_received_at),
    }))
    .sort((a, b) => b.count - a.count || b.lastReceivedAt - a.lastReceivedAt);
}

export async function readRecentRefusals(db: DbExecutor, window: ReceivedWindow, limit: number) {
  if (limit === 0) return [];
  return refusalsIn(db, window)
    .selectAll()
    .orderBy('received_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

export async function clearQuality(db: DbExecutor): Promise<void> {
  await db.deleteFrom('event_refusals').execute();
  await db.deleteFrom('data_quality_settings').execute();
}

/** Events read back from the log (a rebuild, a simulation) without those the quality stage refused. */
export async function withoutRefused<E extends { seq: number }>(db: DbExecutor, events: E[]): Promise<E[]> {
  const refused = await findRefusals(
    db,
    events.map((event) => event.seq),
  );
  return refused.size === 0 ? events : events.filter((event) => !refused.has(event.seq));
}

/** What replay must derive again exactly. */
export const qualityDerivedTables = ['event_refusals', 'data_quality_settings'] as const;
