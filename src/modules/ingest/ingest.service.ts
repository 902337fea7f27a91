import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { summarizeEventsAfter } from './event-log.repo.ts';
import type { AppendResult, EventLogWriter } from './event-log-writer.ts';
import type { NewEvent, ProcessingStatus } from './ingest.schema.ts';
import { prepareMessage, type PreparationResult } from './message-preparation.ts';
import type { RequestPreparer } from './preparation-threads.ts';
import { baseContext, prepareEncodedRequest, prepareTrackingRequest, type IngestRoute } from './request-preparation.ts';

export type { IngestRoute };

export interface PrepareOptions {
  path?: string;
  receivedAt?: number;
  maxEventBytes?: number;
}

export interface IngestService {
  /** Validates a whole request; stores all of it or, on any bad item, none of it. */
  ingest(workspaceId: string, body: unknown, route: IngestRoute): Promise<AppendResult>;
  /** The same for a request as its bytes arrived: decoded and validated on a preparation thread, if there is one. */
  ingestEncoded(
    workspaceId: string,
    request: { body: Buffer; contentEncoding: string | undefined },
    route: IngestRoute,
  ): Promise<AppendResult>;
  /** One message, for bulk import: a bad row is reported, not thrown. */
  prepare(workspaceId: string, raw: unknown, options?: PrepareOptions): PreparationResult;
  append(events: NewEvent[]): Promise<AppendResult>;
  /** How far processing has got with the workspace's events (its lag, for operators and load tests). */
  processingStatus(workspaceId: string): Promise<ProcessingStatus>;
}

export function createIngestService(dependencies: {
  clock: Clock;
  writer: EventLogWriter;
  preparer?: RequestPreparer | undefined;
  database: Database;
  /** The processor's checkpoint, as committed (what any process has processed). */
  processedThrough(): Promise<number>;
}): IngestService {
  const { clock, writer, preparer } = dependencies;

  async function processingStatus(workspaceId: string): Promise<ProcessingStatus> {
    const position = await dependencies.processedThrough();
    const pending = await summarizeEventsAfter(dependencies.database.db, workspaceId, position);
    return {
      pending: pending.count,
      oldestPendingReceivedAt:
        pending.oldestReceivedAt === null ? null : new Date(pending.oldestReceivedAt).toISOString(),
      caughtUp: pending.count === 0,
    };
  }

  async function ingest(workspaceId: string, body: unknown, route: IngestRoute): Promise<AppendResult> {
    return writer.append(prepareTrackingRequest({ workspaceId, body, route, receivedAt: clock.now() }));
  }

  async function ingestEncoded(
    workspaceId: string,
    request: { body: Buffer; contentEncoding: string | undefined },
    route: IngestRoute,
  ): Promise<AppendResult> {
    const encoded = { workspaceId, ...request, route, receivedAt: clock.now() };
    return writer.appendRows(preparer ? await preparer.prepare(encoded) : prepareEncodedRequest(encoded));
  }

  function prepare(workspaceId: string, raw: unknown, options: PrepareOptions = {}) {
    const receivedAt = options.receivedAt ?? clock.now();
    return prepareMessage(raw, {
      ...baseContext(workspaceId, receivedAt),
      path: options.path ?? '',
      ...(options.maxEventBytes === undefined ? {} : { maxEventBytes: options.maxEventBytes }),
    });
  }

  return { ingest, ingestEncoded, prepare, append: (events) => writer.append(events), processingStatus };
}
