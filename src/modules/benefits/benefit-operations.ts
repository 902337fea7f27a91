import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { HearthError } from '../../platform/errors.ts';
import { refusalForReusedKey } from '../../platform/http/idempotency-key.ts';
import { createId } from '../../platform/ids.ts';
import { processThrough } from '../../platform/processor/catch-up.ts';
import type { Processor } from '../../platform/processor/processor.ts';
import type { EventLogWriter } from '../ingest/event-log-writer.ts';
import { appendOperations, type StoredOperation } from '../ingest/operation-events.ts';
import type { OperationAnswer } from './coupon-state.ts';
import { readAnswer } from './coupons.repo.ts';

export interface OperationDependencies {
  database: Database;
  clock: Clock;
  writer: EventLogWriter;
  processor: Processor;
}

/**
 * Appends a module's operations (all or none, one commit) and waits until the first is decided.
 * The key makes a retry find the first request's operations; a key reused for another request
 * (a different fingerprint) is refused.
 */
export async function submitOperations(
  dependencies: OperationDependencies,
  operation: { workspaceId: string; name: string; eventName: string; key: string | undefined; fingerprint: string },
  requests: unknown[],
): Promise<{ stored: StoredOperation[]; refused?: OperationAnswer }> {
  const now = dependencies.clock.now();
  const base = `${operation.name}-${operation.key ?? createId(now)}`;
  const stored = await appendOperations(
    dependencies,
    requests.map((request, index) => ({
      workspaceId: operation.workspaceId,
      messageId: index === 0 ? base : `${base}-${index}`,
      eventName: operation.eventName,
      payload: { operation: operation.name, request, fingerprint: operation.fingerprint },
      now,
    })),
  );
  const first = stored[0];
  if (!first) throw new HearthError('unavailable', 'the operation was not stored; retry with the same key');
  const refused = refusalForReusedKey(first, operation.fingerprint);
  if (refused) return { stored, refused };
  await processThrough(dependencies.processor, first.seq);
  return { stored };
}

/** What the stage decided for an operation, as the API answers it. */
export async function answerOf(
  dependencies: { database: Database; processor: Processor },
  operation: StoredOperation | undefined,
): Promise<OperationAnswer> {
  const answer = operation
    ? (dependencies.processor.takeAnswer(operation.id) ?? (await readAnswer(dependencies.database.db, operation.id)))
    : undefined;
  if (!answer) throw new HearthError('unavailable', 'the operation was not processed; retry with the same key');
  return answer;
}
