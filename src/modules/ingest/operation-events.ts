import type { Database } from '../../platform/db/database.ts';
import { parseJson } from '../../platform/db/json.ts';
import { createId } from '../../platform/ids.ts';
import { chunks } from '../../platform/db/chunks.ts';
import type { EventLogWriter } from './event-log-writer.ts';
import type { NewEvent } from './ingest.schema.ts';

/** Operator and API actions travel through the log as events of this type, so replay repeats them. */
export const operationEventType = 'hearth_operation';

export interface StoredOperation {
  seq: number;
  id: string;
  payload: Record<string, unknown>;
}

interface OperationToAppend {
  workspaceId: string;
  messageId: string;
  eventName: string;
  payload: Record<string, unknown>;
  now: number;
}

function toEvent(operation: OperationToAppend): NewEvent {
  return {
    id: `evt_${createId(operation.now)}`,
    workspaceId: operation.workspaceId,
    messageId: operation.messageId,
    type: operationEventType,
    eventName: operation.eventName,
    userId: null,
    anonymousId: null,
    eventTime: operation.now,
    receivedAt: operation.now,
    sentAt: null,
    originalTimestamp: null,
    payload: operation.payload,
  };
}

/**
 * Appends an operation (durable before this resolves) and returns it as the log holds it. The
 * message id makes it idempotent: appending the same id again returns the first one, whose
 * payload the caller compares to tell a retry from a reused key.
 */
export async function appendOperation(
  dependencies: { database: Database; writer: EventLogWriter },
  operation: OperationToAppend,
): Promise<StoredOperation> {
  const [stored] = await appendOperations(dependencies, [operation]);
  if (!stored) throw new Error(`operation ${operation.messageId} was not stored`);
  return stored;
}

/**
 * Several operations of one workspace, all or none in one commit (a long job's parts), as the log
 * holds them. One this append stored is answered from what was sent; only a repeat (a retried
 * request) is read back, since the log then holds the first request's payload.
 */
export async function appendOperations(
  dependencies: { database: Database; writer: EventLogWriter },
  operations: OperationToAppend[],
): Promise<StoredOperation[]> {
  const [first] = operations;
  if (!first) return [];
  const events = operations.map(toEvent);
  const { positions } = await dependencies.writer.append(events);
  const repeated = operations.filter((_, index) => positions[index] === null).map((operation) => operation.messageId);
  const earlier = await readOperations(dependencies.database, first.workspaceId, repeated);
  const stored: StoredOperation[] = [];
  events.forEach((event, index) => {
    const seq = positions[index];
    const found =
      seq === null || seq === undefined ? earlier.get(event.messageId) : { seq, id: event.id, payload: event.payload };
    if (found) stored.push(found);
  });
  return stored;
}

async function readOperations(
  database: Database,
  workspaceId: string,
  messageIds: string[],
): Promise<Map<string, StoredOperation>> {
  const stored = new Map<string, StoredOperation>();
  for (const chunk of chunks(messageIds)) {
    const rows = await database.db
      .selectFrom('events')
      .select(['seq', 'id', 'payload', 'message_id'])
      .where('workspace_id', '=', workspaceId)
      .where('message_id', 'in', chunk)
      .execute();
    for (const row of rows) {
      stored.set(row.message_id, {
        seq: row.seq,
        id: row.id,
        payload: parseJson<Record<string, unknown>>(row.payload),
      });
    }
  }
  return stored;
}

/** An operation already in the log under this message id (a retried request), if any. */
export async function findOperation(
  database: Database,
  workspaceId: string,
  messageId: string,
): Promise<StoredOperation | undefined> {
  return (await readOperations(database, workspaceId, [messageId])).get(messageId);
}
