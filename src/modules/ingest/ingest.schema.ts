import { z } from 'zod';
import { isRecord } from '../../platform/values.ts';
import { parseInstant } from './event-time.ts';

/** Limits of Segment's HTTP tracking API, which Hearth keeps so clients behave the same. */
export const ingestLimits = {
  maxEventBytes: 32 * 1024,
  maxRequestBytes: 500 * 1024,
  maxBatchItems: 2500,
  maxMessageIdLength: 100,
  /**
   * Bulk import keeps history whole: one invoice of the UCI retail data set holds up to 96 KB of
   * lines, which Segment's 32 KB live-tracking limit would reject.
   */
  maxImportEventBytes: 1024 * 1024,
} as const;

export const messageTypes = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof messageTypes)[number];

/** Ids may arrive as numbers; the log keeps them as strings. Only numbers pay for a transform. */
const identitySchema = z.union([z.string(), z.number().transform((value) => String(value))]);
/**
 * Parsed to epoch milliseconds here, once: validating a date and converting it are the same work,
 * and ingestion does it for every event.
 */
const instantSchema = z.union([z.string(), z.number()]).transform((value, context) => {
  const milliseconds = parseInstant(value);
  if (milliseconds === null) {
    context.addIssue({ code: 'custom', input: value, message: 'must be an ISO-8601 date-time' });
    return z.NEVER;
  }
  return milliseconds;
});
/**
 * Any JSON object, kept as sent: checked, not copied. A record or loose object schema copies every
 * key of context, properties and traits into a new object, about 1 µs an event of ingestion's
 * main thread; the document still says what it takes, an object with any properties.
 */
const objectSchema = z
  .custom<Record<string, unknown>>(isRecord, 'must be a JSON object')
  .meta({ type: 'object', additionalProperties: {} });

/**
 * One Segment spec message. Unknown fields pass through untouched: the log keeps what was sent.
 * `type` may be absent when the route names it (`/v1/track`).
 */
export const segmentMessageSchema = z
  .looseObject({
    type: z.enum(messageTypes),
    messageId: z
      .union([
        z.string().min(1, 'must not be empty').max(ingestLimits.maxMessageIdLength, 'must be at most 100 characters'),
        // A number's decimal form is never empty and far shorter than the limit.
        z.number().transform((value) => String(value)),
      ])
      .optional(),
    userId: identitySchema.nullish(),
    anonymousId: identitySchema.nullish(),
    previousId: identitySchema.nullish(),
    groupId: identitySchema.nullish(),
    event: z.string().nullish(),
    name: z.string().nullish(),
    category: z.string().nullish(),
    timestamp: instantSchema.nullish(),
    originalTimestamp: instantSchema.nullish(),
    sentAt: instantSchema.nullish(),
    context: objectSchema.nullish(),
    integrations: objectSchema.nullish(),
    properties: objectSchema.nullish(),
    traits: objectSchema.nullish(),
  })
  .superRefine((message, context) => {
    const hasUser = Boolean(message.userId) || Boolean(message.anonymousId);
    if (!hasUser) {
      context.addIssue({ code: 'custom', path: ['userId'], message: 'userId or anonymousId is required' });
    }
    if (message.type === 'track' && !message.event) {
      context.addIssue({ code: 'custom', path: ['event'], message: 'a track call needs an event name' });
    }
    if (message.type === 'alias' && !message.previousId) {
      context.addIssue({ code: 'custom', path: ['previousId'], message: 'an alias call needs previousId' });
    }
    if (message.type === 'group' && !message.groupId) {
      context.addIssue({ code: 'custom', path: ['groupId'], message: 'a group call needs groupId' });
    }
  });
export type SegmentMessage = z.output<typeof segmentMessageSchema>;

/** The body of `/v1/batch`; items are validated one by one so errors can name the item. */
export const batchEnvelopeSchema = z.looseObject({
  batch: z.array(z.unknown()).max(ingestLimits.maxBatchItems, 'must hold at most 2500 events'),
  context: objectSchema.nullish(),
  integrations: objectSchema.nullish(),
  sentAt: instantSchema.nullish(),
  writeKey: z.string().nullish(),
});

export const ingestResponseSchema = z.object({ success: z.literal(true) });

export const processingStatusSchema = z.object({
  pending: z.number().int().describe("This workspace's events in the log that processing has not reached yet"),
  oldestPendingReceivedAt: z
    .string()
    .nullable()
    .describe('When the oldest of them was received (ISO-8601); null when none is pending'),
  caughtUp: z.boolean().describe('Every event of this workspace accepted so far is processed'),
});
export type ProcessingStatus = z.infer<typeof processingStatusSchema>;

export const ingestErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});

/** An event as the log stores it: the message plus the times Hearth derived. */
export interface NewEvent {
  id: string;
  workspaceId: string;
  messageId: string;
  /** A Segment call, or an operator action recorded in the log (`hearth_operation`). */
  type: MessageType | 'hearth_operation';
  eventName: string | null;
  userId: string | null;
  anonymousId: string | null;
  eventTime: number;
  receivedAt: number;
  sentAt: number | null;
  originalTimestamp: number | null;
  payload: Record<string, unknown>;
  /** The payload as JSON, when preparation already serialized it (to check its size). */
  serializedPayload?: string;
}
