import { HearthError, type Issue } from '../../platform/errors.ts';
import { createId } from '../../platform/ids.ts';
import { isRecord } from '../../platform/values.ts';
import { decodeTrackingBody } from './body-decoding.ts';
import { toInsertValues, type InsertValues } from './event-log.repo.ts';
import { batchEnvelopeSchema, type MessageType, type NewEvent } from './ingest.schema.ts';
import { prepareMessage, type PreparationContext } from './message-preparation.ts';

export type IngestRoute = 'batch' | MessageType;

/** One tracking request, its body parsed, as the route received it. */
export interface TrackingRequest {
  workspaceId: string;
  body: unknown;
  route: IngestRoute;
  receivedAt: number;
}

function rejectWith(issues: Issue[]): never {
  const first = issues[0];
  const summary = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'invalid request';
  throw new HearthError('invalid_request', summary, { issues });
}

export function baseContext(workspaceId: string, receivedAt: number): Omit<PreparationContext, 'path'> {
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

/**
 * Validates a whole tracking request and turns it into log entries; any bad item rejects all of it
 * (a HearthError naming each item and rule). Pure but for the ids it draws, so it runs on the main
 * thread or on a preparation thread alike.
 */
export function prepareTrackingRequest(request: TrackingRequest): NewEvent[] {
  const { workspaceId, body, route, receivedAt } = request;
  if (route === 'batch') return prepareBatch(workspaceId, body, receivedAt);
  const result = prepareMessage(body, { ...baseContext(workspaceId, receivedAt), path: '', routeType: route });
  if (!result.ok) rejectWith(result.issues);
  if (result.event.type !== route) {
    rejectWith([{ path: 'type', message: `this endpoint takes ${route} calls, not ${result.event.type}` }]);
  }
  return [result.event];
}

/** A tracking request as its bytes arrived (gzipped or not), its workspace already known. */
export interface EncodedTrackingRequest {
  workspaceId: string;
  body: Uint8Array;
  contentEncoding: string | undefined;
  route: IngestRoute;
  receivedAt: number;
}

/** Decodes, validates and prepares a request: the log's rows, or a HearthError naming what is wrong. */
export function prepareEncodedRequest(request: EncodedTrackingRequest): InsertValues[] {
  const bytes = Buffer.isBuffer(request.body)
    ? request.body
    : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const body = decodeTrackingBody(bytes, request.contentEncoding);
  return prepareTrackingRequest({ ...request, body }).map(toInsertValues);
}
