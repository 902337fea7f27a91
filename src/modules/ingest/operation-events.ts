import type { Database } from '../../platform/db/database.ts';
import { parseJson } from '../../platform/db/json.ts';
import { createId } from '../../platform/ids.ts';
import type { EventLogWriter } from './event-log-writer.ts';
import type { NewEvent } from './ingest.schema.ts';

/** Operator and API actions travel through the log as events of this type, so replay repeats them. */
export const operationEventType = 'hearth_operation';

export interface StoredOperation {
  seq: number;
  id: string;
  payload: Record<string, unknown>;
}

/**
 * Appends an operation (durable before this resolves) and returns it as the log holds it. The
 * message id makes it idempotent: appending the same id again returns the first one, whose
 * payload the caller compares to tell a retry from a reused key.
 */
export async function appendOperation(
  dependencies: { database: Database; writer: EventLogWriter },
  operation: {
    workspaceId: string;
    messageId: string;
    eventName: string;
    payload: Record<string, unknown>;
    now: number;
  },
): Promise<StoredOperation> {
  const event: NewEvent = {
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
  await dependencies.writer.append([event]);
  const row = await dependencies.database.db
    .selectFrom('events')
    .select(['seq', 'id', 'payload'])
    .where('workspace_id', '=', operation.workspaceId)
    .where('message_id', '=', operation.messageId)
    .executeTakeFirstOrThrow();
  return { seq: row.seq, id: row.id, payload: parseJson<Record<string, unknown>>(row.payload) };
}
