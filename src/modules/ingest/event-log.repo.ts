import type { Selectable } from 'kysely';
import type { DbExecutor, DialectName } from '../../platform/db/database.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import type { EventsTable } from '../../platform/db/schema.ts';
import type { NewEvent } from './ingest.schema.ts';

/** SQLite allows 32,766 bound values per statement and PostgreSQL 65,535; 12 columns a row. */
const rowsPerInsert = 1_000;

/** Appends events, skipping any whose (workspace, messageId) is already in the log; returns the keys it stored. */
export async function insertEvents(db: DbExecutor, events: NewEvent[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let start = 0; start < events.length; start += rowsPerInsert) {
    const chunk = events.slice(start, start + rowsPerInsert);
    const rows = await db
      .insertInto('events')
      .values(
        chunk.map((event) => ({
          id: event.id,
          workspace_id: event.workspaceId,
          message_id: event.messageId,
          type: event.type,
          event_name: event.eventName,
          user_id: event.userId,
          anonymous_id: event.anonymousId,
          event_time: event.eventTime,
          received_at: event.receivedAt,
          sent_at: event.sentAt,
          original_timestamp: event.originalTimestamp,
          payload: toJson(event.payload),
          member_id: null,
        })),
      )
      .onConflict((conflict) => conflict.columns(['workspace_id', 'message_id']).doNothing())
      .returning(['workspace_id', 'message_id'])
      .execute();
    for (const row of rows) inserted.add(eventKey(row.workspace_id, row.message_id));
  }
  return inserted;
}

export function eventKey(workspaceId: string, messageId: string): string {
  return `${workspaceId}\u0000${messageId}`;
}

export type { LoggedEvent } from '../../platform/processor/stage.ts';
import type { LoggedEvent } from '../../platform/processor/stage.ts';

function toLoggedEvent(row: Selectable<EventsTable>): LoggedEvent {
  return {
    seq: row.seq,
    id: row.id,
    workspaceId: row.workspace_id,
    messageId: row.message_id,
    type: row.type,
    eventName: row.event_name,
    eventTime: row.event_time,
    receivedAt: row.received_at,
    payload: parseJson<Record<string, unknown>>(row.payload),
    memberId: row.member_id,
  };
}

export async function readEventsAfter(db: DbExecutor, position: number, limit: number): Promise<LoggedEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>', position)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toLoggedEvent);
}

export async function readEventsBySeq(db: DbExecutor, seqs: number[]): Promise<LoggedEvent[]> {
  if (seqs.length === 0) return [];
  const rows = await db.selectFrom('events').selectAll().where('seq', 'in', seqs).orderBy('seq').execute();
  return rows.map(toLoggedEvent);
}

export async function readMemberEvents(
  db: DbExecutor,
  memberIds: string[],
  options: { beforeSeq?: number; limit: number },
): Promise<LoggedEvent[]> {
  if (memberIds.length === 0) return [];
  let query = db.selectFrom('events').selectAll().where('member_id', 'in', memberIds);
  if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
  const rows = await query.orderBy('seq', 'desc').limit(options.limit).execute();
  return rows.map(toLoggedEvent);
}

export async function readLastSeq(db: DbExecutor): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('last'))
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}

export async function countEvents(db: DbExecutor, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Attribution is derived state: replay clears it along with the rest. */
export async function clearAttribution(db: DbExecutor): Promise<void> {
  await db.updateTable('events').set({ member_id: null }).where('member_id', 'is not', null).execute();
}

export type { DialectName };
