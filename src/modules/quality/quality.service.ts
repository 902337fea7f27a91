import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { createId } from '../../platform/ids.ts';
import { processThrough } from '../../platform/processor/catch-up.ts';
import type { Processor } from '../../platform/processor/processor.ts';
import type { EventLogWriter } from '../ingest/event-log-writer.ts';
import { appendOperation } from '../ingest/operation-events.ts';
import { limitsOperationName } from './quality.stage.ts';
import {
  orderLimitsSchema,
  type DataQualityReport,
  type OrderLimits,
  type dataQualityQuerySchema,
} from './quality.schema.ts';
import * as repo from './quality.repo.ts';
import type { z } from 'zod';

export interface QualityService {
  /** Events kept in the log but not counted, by reason and event name, with the most recent ones. */
  report(workspaceId: string, query: z.infer<typeof dataQualityQuerySchema>): Promise<DataQualityReport>;
  limits(workspaceId: string): Promise<OrderLimits>;
  /** The change goes through the log: events before it keep the old bounds, also on replay. */
  saveLimits(workspaceId: string, input: unknown): Promise<OrderLimits>;
}

const iso = (instant: number) => new Date(instant).toISOString();

export function createQualityService(dependencies: {
  database: Database;
  clock: Clock;
  writer: EventLogWriter;
  processor: Processor;
}): QualityService {
  const { database, clock, writer, processor } = dependencies;
  const db = database.db;

  async function report(workspaceId: string, query: z.infer<typeof dataQualityQuerySchema>) {
    const window = {
      workspaceId,
      from: query.from === undefined ? undefined : Date.parse(query.from),
      to: query.to === undefined ? undefined : Date.parse(query.to),
    };
    const [groups, recent, limits] = await Promise.all([
      repo.countRefusalsByReason(db, window),
      repo.readRecentRefusals(db, window, query.examples),
      repo.readLimits(db, workspaceId),
    ]);
    return {
      from: window.from === undefined ? null : iso(window.from),
      to: window.to === undefined ? null : iso(window.to),
      refusedEvents: groups.reduce((sum, group) => sum + group.count, 0),
      byReason: groups.map((group) => ({ ...group, lastReceivedAt: iso(group.lastReceivedAt) })),
      recent: recent.map((row) => ({
        eventId: row.event_id,
        messageId: row.message_id,
        event: row.event_name,
        memberId: row.member_id,
        timestamp: iso(Number(row.event_time)),
        receivedAt: iso(Number(row.received_at)),
        refusal: repo.toRefusal(row),
      })),
      limits,
    };
  }

  async function saveLimits(workspaceId: string, input: unknown): Promise<OrderLimits> {
    const limits = orderLimitsSchema.parse(input);
    const now = clock.now();
    const stored = await appendOperation(
      { database, writer },
      {
        workspaceId,
        messageId: `hearth-order-limits-${createId(now)}`,
        eventName: 'Order Limits Changed',
        payload: { operation: limitsOperationName, limits },
        now,
      },
    );
    await processThrough(processor, stored.seq);
    return limits;
  }

  return { report, limits: (workspaceId) => repo.readLimits(db, workspaceId), saveLimits };
}
