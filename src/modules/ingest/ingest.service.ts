import type { Clock } from '../../platform/clock.ts';
import { HearthError, type Issue } from '../../platform/errors.ts';
import { createId } from '../../platform/ids.ts';
import type { AppendResult, EventLogWriter } from './event-log-writer.ts';
import { batchEnvelopeSchema, type MessageType, type NewEvent } from './ingest.schema.ts';
import { prepareMessage, type PreparationContext, type PreparationResult } from './message-preparation.ts';
import { isRecord } from '../../platform/values.ts';

export type IngestRoute = 'batch' | MessageType;

export interface PrepareOptions {
  path?: string;
  receivedAt?: number;
  maxEventBytes?: number;
}

export interface IngestService {
  /** Validates a whole request; stores all of it or, on any bad item, none of it. */
  ingest(workspaceId: string, body: unknown, route: IngestRoute): Promise<AppendResult>;
  /** One message, for bulk import: a bad row is reported, not thrown. */
  prepare(workspaceId: string, raw: unknown, options?: PrepareOptions): PreparationResult;
  append(events: NewEvent[]): Promise<AppendResult>;
}

function rejectWith(issues: Issue[]): never {
  const first = issues[0];
  const summary = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'invalid request';
  throw new HearthError('invalid_request', summary, { issues });
}

export function createIngestService(dependencies: { clock: Clock; writer: EventLogWriter }): IngestService {
  const { clock, writer } = dependencies;

  function baseContext(workspaceId: string, receivedAt: number): Omit<PreparationContext, 'path'> {
    return {
      workspaceId,
      receivedAt,
      createEventId: () => `evt_${createId(receivedAt)}`,
      createMessageId: () => `hearth-${createId(receivedAt)}`,
    };
  }

  function prepareBatch(workspaceId: string, body: unknown, receivedAt: number): NewEvent[] {
    if (!isRecord(body)) rejectWith([{ path: '', message: 'the body must be a JSON object' }]);
    const envelope = batchEnvelopeSchema.safeParse(body);
    if (!envelope.success) {
      rejectWith(envelope.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
    }
    const { batch, context, integrations, sentAt } = envelope.data;
    const events: NewEvent[] = [];
    const issues: Issue[] = [];
    // One context for the whole batch, its path moved along: built per item, it was a copy per event.
    const itemContext: PreparationContext = {
      ...baseContext(workspaceId, receivedAt),
      path: '',
      batchContext: context ?? null,
      batchIntegrations: integrations ?? null,
      batchSentAt: sentAt ?? null,
    };
    batch.forEach((item, index) => {
      itemContext.path = `batch[${index}]`;
      const result = prepareMessage(item, itemContext);
      if (result.ok) events.push(result.event);
      else issues.push(...result.issues);
    });
    if (issues.length > 0) rejectWith(issues);
    return events;
  }

  async function ingest(workspaceId: string, body: unknown, route: IngestRoute): Promise<AppendResult> {
    const receivedAt = clock.now();
    if (route === 'batch') return writer.append(prepareBatch(workspaceId, body, receivedAt));
    const result = prepareMessage(body, { ...baseContext(workspaceId, receivedAt), path: '', routeType: route });
    if (!result.ok) rejectWith(result.issues);
    if (result.event.type !== route) {
      rejectWith([{ path: 'type', message: `this endpoint takes ${route} calls, not ${result.event.type}` }]);
    }
    return writer.append([result.event]);
  }

  function prepare(workspaceId: string, raw: unknown, options: PrepareOptions = {}) {
    const receivedAt = options.receivedAt ?? clock.now();
    return prepareMessage(raw, {
      ...baseContext(workspaceId, receivedAt),
      path: options.path ?? '',
      ...(options.maxEventBytes === undefined ? {} : { maxEventBytes: options.maxEventBytes }),
    });
  }

  return { ingest, prepare, append: (events) => writer.append(events) };
}
