import type { Issue } from '../../platform/errors.ts';
import { correctEventTime, parseInstant } from './event-time.ts';
import { ingestLimits, segmentMessageSchema, type MessageType, type NewEvent } from './ingest.schema.ts';
import { isRecord } from '../../platform/values.ts';

export interface PreparationContext {
  workspaceId: string;
  receivedAt: number;
  /** Where the item sits in the request, for error paths: `batch[3]` or ``. */
  path: string;
  /** The route's type (`/v1/track`) when the body does not carry one. */
  routeType?: MessageType;
  batchContext?: Record<string, unknown> | null;
  batchIntegrations?: Record<string, unknown> | null;
  batchSentAt?: string | number | null;
  createEventId: () => string;
  createMessageId: () => string;
  /** Defaults to the tracking API's 32 KB. */
  maxEventBytes?: number;
}

export type PreparationResult = { ok: true; event: NewEvent } | { ok: false; issues: Issue[] };

function joinPath(prefix: string, segments: PropertyKey[]): string {
  const tail = segments.map((segment) => String(segment)).join('.');
  if (!prefix) return tail;
  return tail ? `${prefix}.${tail}` : prefix;
}

/**
 * Validates one Segment message and turns it into a log entry: batch-level context and
 * integrations merged in, times corrected, a messageId assigned when the client sent none.
 */
export function prepareMessage(raw: unknown, context: PreparationContext): PreparationResult {
  if (!isRecord(raw)) {
    return { ok: false, issues: [{ path: context.path, message: 'must be a JSON object' }] };
  }
  const candidate = raw.type === undefined && context.routeType ? { ...raw, type: context.routeType } : raw;
  const parsed = segmentMessageSchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: joinPath(context.path, issue.path),
        message: issue.message,
      })),
    };
  }
  const message = parsed.data;
  const sentAt = parseInstant(message.sentAt ?? context.batchSentAt);
  const originalTimestamp = parseInstant(message.originalTimestamp ?? message.timestamp);
  const eventTime = correctEventTime({ receivedAt: context.receivedAt, sentAt, originalTimestamp });
  const mergedContext =
    context.batchContext || message.context
      ? { ...(context.batchContext ?? {}), ...(message.context ?? {}) }
      : undefined;
  const mergedIntegrations =
    context.batchIntegrations || message.integrations
      ? { ...(context.batchIntegrations ?? {}), ...(message.integrations ?? {}) }
      : undefined;
  const messageId = message.messageId ?? context.createMessageId();
  const { writeKey: _writeKey, ...kept } = message as typeof message & { writeKey?: unknown };
  const payload: Record<string, unknown> = {
    ...kept,
    messageId,
    ...(mergedContext ? { context: mergedContext } : {}),
    ...(mergedIntegrations ? { integrations: mergedIntegrations } : {}),
    timestamp: new Date(eventTime).toISOString(),
    originalTimestamp: originalTimestamp === null ? null : new Date(originalTimestamp).toISOString(),
    sentAt: sentAt === null ? null : new Date(sentAt).toISOString(),
    receivedAt: new Date(context.receivedAt).toISOString(),
  };
  const serializedPayload = JSON.stringify(payload);
  const oversize = findOversize(raw, serializedPayload, context);
  if (oversize) return { ok: false, issues: [oversize] };
  return {
    ok: true,
    event: {
      id: context.createEventId(),
      workspaceId: context.workspaceId,
      messageId,
      type: message.type,
      eventName: message.type === 'track' ? (message.event ?? null) : (message.name ?? null),
      userId: message.userId ?? null,
      anonymousId: message.anonymousId ?? null,
      eventTime,
      receivedAt: context.receivedAt,
      sentAt,
      originalTimestamp,
      payload,
      serializedPayload,
    },
  };
}

/**
 * The limit applies to the event as the client sent it. What is stored is the same message plus
 * a few derived fields, so it is serialized once, for storage, and the sent message only measured
 * when the stored one comes near the limit.
 */
function findOversize(raw: Record<string, unknown>, serializedPayload: string, context: PreparationContext) {
  const limit = context.maxEventBytes ?? ingestLimits.maxEventBytes;
  if (serializedPayload.length <= limit / 3 || Buffer.byteLength(serializedPayload) <= limit) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(raw));
  if (bytes <= limit) return undefined;
  return { path: context.path, message: `event is ${bytes} bytes; the limit is ${limit / 1024} KB (${limit} bytes)` };
}
