import { readOperation } from '../../platform/processor/operations.ts';
import { groupByWorkspace, type LoggedEvent, type Stage } from '../../platform/processor/stage.ts';
import { checkTrackedEvent } from './event-checks.ts';
import { orderLimitsSchema, type OrderLimits } from './quality.schema.ts';
import * as repo from './quality.repo.ts';
import { z } from 'zod';

export const limitsOperationName = 'order-limits';
/** An operator's change of the bounds; it applies from its place in the log on, live and on replay. */
const limitsOperationSchema = z.object({ operation: z.literal(limitsOperationName), limits: orderLimitsSchema });

function refusalRow(event: LoggedEvent, refusal: NonNullable<ReturnType<typeof checkTrackedEvent>>): repo.RefusalRow {
  return {
    seq: event.seq,
    workspace_id: event.workspaceId,
    event_id: event.id,
    message_id: event.messageId,
    member_id: event.memberId,
    event_name: event.eventName,
    event_time: event.eventTime,
    received_at: event.receivedAt,
    ...refusal,
  };
}

/**
 * Runs right after identity: a tracked event whose numbers cannot be trusted keeps its place in the
 * log and on its member's timeline, is recorded with why, and is taken out of the batch, so no
 * later stage counts it (features, points, badges, coupons, plans, referrals, tags, segments).
 */
export function createQualityStage(): Stage {
  return {
    name: 'quality',
    async apply(batch) {
      const refused: repo.RefusalRow[] = [];
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        let limits: OrderLimits | undefined;
        for (const event of events) {
          if (event.type === 'track') {
            limits ??= await repo.readLimits(batch.transaction, workspaceId);
            const refusal = checkTrackedEvent(event.eventName, event.payload, limits);
            if (refusal) refused.push(refusalRow(event, refusal));
            continue;
          }
          const change = readOperation(event.payload, limitsOperationName, limitsOperationSchema);
          if (!change) continue;
          limits = change.limits;
          await repo.saveLimits(batch.transaction, workspaceId, limits, event.eventTime);
        }
      }
      if (refused.length === 0) return;
      await repo.insertRefusals(batch.transaction, refused);
      const refusedIds = new Set(refused.map((row) => row.event_id));
      batch.events = batch.events.filter((event) => !refusedIds.has(event.id));
    },
    reset: (transaction) => repo.clearQuality(transaction),
  };
}
