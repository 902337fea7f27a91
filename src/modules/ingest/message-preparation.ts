import type { Issue } from '../../platform/errors.ts';
import { correctEventTime } from './event-time.ts';
import {
  ingestLimits,
  segmentMessageSchema,
  type MessageType,
  type NewEvent,
  type SegmentMessage,
} from './ingest.schema.ts';
import { isRecord } from '../../platform/values.ts';
import { maxNestingDepth, nestingDepthOf } from './nesting-depth.ts';
import { findNulCharacter, nulCharacterRule } from '../../platform/http/nul-characters.ts';

export interface PreparationContext {
  workspaceId: string;
  receivedAt: number;
  /** Where the item sits in the request, for error paths: `batch[3]` or ``. */
  path: string;
  /** The route's type (`/v1/track`) when the body does not carry one. */
  routeType?: MessageType;
  batchContext?: Record<string, unknown> | null;
  batchIntegrations?: Record<string, unknown> | null;
  /** The batch's sentAt, in epoch milliseconds. */
  batchSentAt?: number | null;
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

/** Batch-level context and integrations under the message's own; the message's object is reused. */
function mergeObjects(
  batch: Record<string, unknown> | null | undefined,
  own: Record<string, unknown> | null | undefined,
): Record<string, unknown> | undefined {
  if (!batch) return own ?? undefined;
  return own ? { ...batch, ...own } : { ...batch };
}

/**
 * The ISO form of the last instant formatted at one call site: receivedAt, and usually sentAt, are
 * the same for every event of a request, so each is formatted once per request, not per event.
 */
function createIsoFormatter(): (milliseconds: number) => string {
  let lastMilliseconds = Number.NaN;
  let lastText = '';
  return (milliseconds) => {
    if (milliseconds !== lastMilliseconds) {
      lastMilliseconds = milliseconds;
      lastText = new Date(milliseconds).toISOString();
    }
    return lastText;
  };
}

const formatReceivedAt = createIsoFormatter();
const formatSentAt = createIsoFormatter();

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
  const sentAt = message.sentAt ?? context.batchSentAt ?? null;
  const originalTimestamp = message.originalTimestamp ?? message.timestamp ?? null;
  const eventTime = correctEventTime({ receivedAt: context.receivedAt, sentAt, originalTimestamp });
  const messageId = message.messageId ?? context.createMessageId();
  const event: NewEvent = {
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
    payload: toPayload(message, context, { messageId, eventTime, sentAt, originalTimestamp }),
  };
  const serializedPayload = JSON.stringify(event.payload);
  const oversize = findOversize(raw, serializedPayload, context);
  if (oversize) return { ok: false, issues: [oversize] };
  const depth = nestingDepthOf(serializedPayload);
  if (depth > maxNestingDepth) {
    const message = `nests ${depth} levels deep; the limit is ${maxNestingDepth}`;
    return { ok: false, issues: [{ path: context.path, message }] };
  }
  // JSON writes the character as \u0000: only then is the message walked to name the field.
  const nul = serializedPayload.includes('\\u0000') ? findNulCharacter(event.payload, context.path) : undefined;
  if (nul !== undefined) return { ok: false, issues: [{ path: nul, message: nulCharacterRule }] };
  event.serializedPayload = serializedPayload;
  return { ok: true, event };
}

/**
 * The stored message: what the client sent (less a per-message writeKey) with the derived fields.
 * The schema's output is already a fresh object, so it is completed in place rather than copied;
 * fields it holds keep their place, new ones follow, as they would in an object spread.
 */
function toPayload(
  message: SegmentMessage,
  context: PreparationContext,
  derived: { messageId: string; eventTime: number; sentAt: number | null; originalTimestamp: number | null },
): Record<string, unknown> {
  const payload: Record<string, unknown> = message;
  if ('writeKey' in payload) delete payload.writeKey;
  payload.messageId = derived.messageId;
  const mergedContext = mergeObjects(context.batchContext, message.context);
  if (mergedContext) payload.context = mergedContext;
  const mergedIntegrations = mergeObjects(context.batchIntegrations, message.integrations);
  if (mergedIntegrations) payload.integrations = mergedIntegrations;
  payload.timestamp = new Date(derived.eventTime).toISOString();
  payload.originalTimestamp =
    derived.originalTimestamp === null ? null : new Date(derived.originalTimestamp).toISOString();
  payload.sentAt = derived.sentAt === null ? null : formatSentAt(derived.sentAt);
  payload.receivedAt = formatReceivedAt(context.receivedAt);
  return payload;
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
