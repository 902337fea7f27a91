import type { DbExecutor, SqliteConnection } from '../../platform/db/database.ts';
import type { LoggedEvent } from '../../platform/processor/stage.ts';

/** One row of the processor's read, as an array (the statement's raw mode). */
export type LogRow = [
  seq: number,
  id: string,
  workspaceId: string,
  messageId: string,
  type: string,
  eventName: string | null,
  eventTime: number,
  receivedAt: number,
  payload: string,
  memberId: string | null,
];

/** The processor's read of the log (the bench reads it bare, as the limit under processing). */
export const processorLogRead =
  'select e.seq, e.id, e.workspace_id, e.message_id, e.type, e.event_name, e.event_time, e.received_at, e.payload,' +
  ' m.member_id from events e left join event_members m on m.seq = e.seq where e.seq > ? order by e.seq limit ?';

/** The statement of `processorLogRead` on a connection, returning `LogRow`s. */
export function prepareLogRead(connection: SqliteConnection) {
  // Its own statement, not the shared cache's: raw (array) mode would change it for every user.
  const statement = connection.prepare(processorLogRead).raw(true);
  return (position: number, limit: number): LogRow[] => statement.all(position, limit) as LogRow[];
}

/** The event a row of the processor's read holds, its payload parsed. */
export function eventOfRow(row: LogRow): LoggedEvent {
  return {
    seq: row[0],
    id: row[1],
    workspaceId: row[2],
    messageId: row[3],
    type: row[4],
    eventName: row[5],
    eventTime: row[6],
    receivedAt: row[7],
    payload: JSON.parse(row[8]) as Record<string, unknown>,
    memberId: row[9],
  };
}

/**
 * The processor's read of the log on SQLite: the columns a stage reads, as arrays from a cached
 * statement. Reading every column into row objects through Kysely was a seventh of processing.
 * Same result as the event log's `readEventsAfter`; only for use inside the processor's
 * transaction (the connection is Kysely's).
 */
export function createSqliteLogReader(connection: SqliteConnection) {
  const readRows = prepareLogRead(connection);
  return async (_db: DbExecutor, position: number, limit: number): Promise<LoggedEvent[]> =>
    readRows(position, limit).map((row) => eventOfRow(row));
}
