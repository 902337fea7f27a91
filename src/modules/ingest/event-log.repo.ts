import type { Insertable, Selectable } from 'kysely';
import type {
  Database,
  DbExecutor,
  DialectName,
  SqliteConnection,
  SqliteStatement,
} from '../../platform/db/database.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import type { EventsTable } from '../../platform/db/schema.ts';
import type { NewEvent } from './ingest.schema.ts';

/** SQLite allows 32,766 bound values per statement and PostgreSQL 65,535; 12 columns a row. */
const rowsPerInsert = 1_000;

/** The columns an append writes, in the order `toInsertValues` gives them. */
export const insertColumns = [
  'id',
  'workspace_id',
  'message_id',
  'type',
  'event_name',
  'user_id',
  'anonymous_id',
  'event_time',
  'received_at',
  'sent_at',
  'original_timestamp',
  'payload',
] as const;

export type InsertValues = [
  string,
  string,
  string,
  string,
  string | null,
  string | null,
  string | null,
  number,
  number,
  number | null,
  number | null,
  /** JSON text, or its UTF-8 bytes (from the writer thread's packed rows). */
  string | Buffer,
];

/** One row as positional values: binding by position is cheaper than by name, and the array crosses threads compactly. */
export function toInsertValues(event: NewEvent): InsertValues {
  return [
    event.id,
    event.workspaceId,
    event.messageId,
    event.type,
    event.eventName,
    event.userId,
    event.anonymousId,
    event.eventTime,
    event.receivedAt,
    event.sentAt,
    event.originalTimestamp,
    event.serializedPayload ?? toJson(event.payload),
  ];
}

const sqliteInserts = new WeakMap<SqliteConnection, SqliteStatement>();

function insertStatement(connection: SqliteConnection): SqliteStatement {
  let statement = sqliteInserts.get(connection);
  if (!statement) {
    statement = connection.prepare(
      // The payload may come as UTF-8 bytes; the cast stores them as the text they are.
      `insert into events (${insertColumns.join(', ')}) values (${insertColumns.map((column) => (column === 'payload' ? 'cast(? as text)' : '?')).join(', ')}) ` +
        'on conflict (workspace_id, message_id) do nothing',
    );
    sqliteInserts.set(connection, statement);
  }
  return statement;
}

/** Per event of an append, in order: the position it was stored at, or null when its (workspace, messageId) was already there. */
export type StoredPositions = Array<number | null>;

/**
 * One cached prepared statement per row: SQLite then neither parses SQL nor Kysely builds it per
 * append, which makes the log's insert as cheap as the bare INSERT the bench compares it with.
 */
export function insertRowsOnSqlite(connection: SqliteConnection, rows: InsertValues[]): StoredPositions {
  const statement = insertStatement(connection);
  return rows.map((row) => {
    const result = statement.run(row);
    return result.changes === 1 ? Number(result.lastInsertRowid) : null;
  });
}

/** A row as Kysely's insert takes it; a payload that came as UTF-8 bytes becomes its text again. */
function toInsertRecord(values: InsertValues) {
  const record: Record<string, unknown> = {};
  insertColumns.forEach((column, index) => (record[column] = values[index]));
  const payload = values[11];
  return {
    ...record,
    payload: typeof payload === 'string' ? payload : payload.toString('utf8'),
  } as Insertable<EventsTable>;
}

async function insertWithKysely(db: DbExecutor, rows: InsertValues[]): Promise<StoredPositions> {
  const inserted = new Map<string, number>();
  for (let start = 0; start < rows.length; start += rowsPerInsert) {
    const chunk = rows.slice(start, start + rowsPerInsert);
    const stored = await db
      .insertInto('events')
      .values(chunk.map(toInsertRecord))
      .onConflict((conflict) => conflict.columns(['workspace_id', 'message_id']).doNothing())
      .returning(['seq', 'workspace_id', 'message_id'])
      .execute();
    for (const row of stored) inserted.set(eventKey(row.workspace_id, row.message_id), row.seq);
  }
  // A key counts as stored once; a repeat inside the same append is a duplicate.
  return rows.map((row) => {
    const key = eventKey(row[1], row[2]);
    const seq = inserted.get(key);
    inserted.delete(key);
    return seq ?? null;
  });
}

/**
 * Appends rows (`toInsertValues`), skipping any whose (workspace, messageId) is already in the log;
 * says per row where it was stored (null: skipped). Call it inside the write transaction
 * (`transaction`), which on SQLite the raw statement joins because Kysely runs on that same connection.
 */
export async function insertRows(
  database: Database,
  transaction: DbExecutor,
  rows: InsertValues[],
): Promise<StoredPositions> {
  if (database.sqlite) return insertRowsOnSqlite(database.sqlite, rows);
  return insertWithKysely(transaction, rows);
}

export function eventKey(workspaceId: string, messageId: string): string {
  return `${workspaceId}\u0000${messageId}`;
}

export type { LoggedEvent } from '../../platform/processor/stage.ts';
import type { LoggedEvent } from '../../platform/processor/stage.ts';

function toLoggedEvent(row: Selectable<EventsTable> & { member_id: string | null }): LoggedEvent {
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

/** The log with each event's member, if it has one: attribution lives in `event_members`. */
function selectAttributed(db: DbExecutor) {
  return db
    .selectFrom('events')
    .leftJoin('event_members', 'event_members.seq', 'events.seq')
    .selectAll('events')
    .select('event_members.member_id');
}

export async function readEventsAfter(db: DbExecutor, position: number, limit: number): Promise<LoggedEvent[]> {
  const rows = await selectAttributed(db)
    .where('events.seq', '>', position)
    .orderBy('events.seq')
    .limit(limit)
    .execute();
  return rows.map(toLoggedEvent);
}

export async function readEventsBySeq(db: DbExecutor, seqs: number[]): Promise<LoggedEvent[]> {
  if (seqs.length === 0) return [];
  const rows = await selectAttributed(db).where('events.seq', 'in', seqs).orderBy('events.seq').execute();
  return rows.map(toLoggedEvent);
}

export async function readMemberEvents(
  db: DbExecutor,
  memberIds: string[],
  options: { beforeSeq?: number; limit: number },
): Promise<LoggedEvent[]> {
  if (memberIds.length === 0) return [];
  let query = selectAttributed(db).where('event_members.member_id', 'in', memberIds);
  if (options.beforeSeq !== undefined) query = query.where('events.seq', '<', options.beforeSeq);
  const rows = await query.orderBy('events.seq', 'desc').limit(options.limit).execute();
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

/** A workspace's events after a log position: how many, and when the oldest was received. */
export async function summarizeEventsAfter(
  db: DbExecutor,
  workspaceId: string,
  position: number,
): Promise<{ count: number; oldestReceivedAt: number | null }> {
  const row = await db
    .selectFrom('events')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('received_at').as('oldest')])
    .where('seq', '>', position)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const oldest = row?.oldest ?? null;
  return { count: Number(row?.count ?? 0), oldestReceivedAt: oldest === null ? null : Number(oldest) };
}

/** Attribution is derived state: replay clears it along with the rest. */
export async function clearAttribution(db: DbExecutor): Promise<void> {
  await db.deleteFrom('event_members').execute();
}

export type { DialectName };

/**
 * A workspace's log up to `throughSeq`, in order: the events of these members and every operation
 * (operations name their member in the payload, not in the log's member column).
 */
export async function readMembersHistory(
  db: DbExecutor,
  workspaceId: string,
  memberIds: string[],
  throughSeq: number,
): Promise<LoggedEvent[]> {
  if (memberIds.length === 0) return [];
  const rows = await selectAttributed(db)
    .where('events.workspace_id', '=', workspaceId)
    .where('events.seq', '<=', throughSeq)
    .where((eb) => eb.or([eb('event_members.member_id', 'in', memberIds), eb('events.type', '=', 'hearth_operation')]))
    .orderBy('events.seq')
    .execute();
  return rows.map(toLoggedEvent);
}
