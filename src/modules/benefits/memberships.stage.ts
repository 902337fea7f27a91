import type { LoggedEvent, ProcessingBatch, Stage } from '../../platform/processor/stage.ts';
import { groupByWorkspace } from '../../platform/processor/stage.ts';
import { readClockTick } from '../../platform/timers/clock-tick.ts';
import { readDueSubjects, scheduleTimers } from '../../platform/timers/timers.repo.ts';
import { reassignMergedRows } from '../../platform/db/merged-rows.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import type { CouponMemberViews } from './coupons.stage.ts';
import { saveAnswers } from './coupons.repo.ts';
import {
  foldMembershipOperation,
  foldMembershipTime,
  foldOrderMultiplier,
  type MembershipFoldState,
} from './membership-rules.ts';
import { readMembershipOperation, type MembershipOperation, type Plan } from './membership.schema.ts';
import * as repo from './memberships.repo.ts';

export const membershipTimerOwner = 'memberships';

interface BatchNeeds {
  operations: Array<MembershipOperation | undefined>;
  /** Whether some plan (saved, or saved in this batch) multiplies points: then orders matter. */
  multiplying: boolean;
  memberIds: string[];
  references: string[];
}

function readNeeds(events: LoggedEvent[], plans: Plan[], due: string[]): BatchNeeds {
  const operations = events.map((event) => readMembershipOperation(event.payload));
  const requests = operations.flatMap((operation) => (operation ? [operation.request] : []));
  const planned = [...plans, ...requests.flatMap((request) => (request.action === 'save-plan' ? [request.plan] : []))];
  const multiplying = planned.some((plan) => (plan.benefits.pointsMultiplier ?? 1) > 1);
  const buyers = multiplying
    ? events.flatMap((event) => (event.eventName === 'Order Completed' && event.memberId ? [event.memberId] : []))
    : [];
  return {
    operations,
    multiplying,
    memberIds: [...due, ...buyers, ...requests.flatMap((request) => ('memberId' in request ? [request.memberId] : []))],
    references: requests.flatMap((request) => ('paymentReference' in request ? [request.paymentReference] : [])),
  };
}

async function saveState(batch: ProcessingBatch, state: MembershipFoldState): Promise<void> {
  await repo.saveMembershipState(batch.transaction, state);
  await scheduleTimers(batch.transaction, state.workspaceId, membershipTimerOwner, state.timers);
  await saveAnswers(batch, state.workspaceId, state.answers);
  for (const memberId of state.changedMemberships) batch.changedMembers.add(memberId);
  batch.derivedEvents.push(...state.derivedEvents);
}

/** Paid membership: plans, subscriptions, renewals, cancellations, refunds, and what time does to them, in log order. */
export function createMembershipsStage(dependencies: {
  workspaces: WorkspaceService;
  views: Pick<CouponMemberViews, 'survivors'>;
}): Stage {
  return {
    name: 'memberships',
    async apply(batch) {
      const transaction = batch.transaction;
      await reassignMergedRows(transaction, batch.merges, { tables: repo.memberStateTables }, (merged, survivor) =>
        repo.reassignMemberships(transaction, merged, survivor),
      );
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const tick = events.length === 1 ? readClockTick(events[0]?.payload) : undefined;
        const due = tick
          ? await readDueSubjects(transaction, workspaceId, membershipTimerOwner, tick.until, tick.limit)
          : [];
        const plans = await repo.loadPlans(transaction, workspaceId);
        const needs = readNeeds(
          events,
          [...plans.values()].map((saved) => saved.plan),
          due,
        );
        if (needs.memberIds.length === 0 && needs.operations.every((operation) => operation === undefined)) continue;
        const workspace = await dependencies.workspaces.get(workspaceId, transaction);
        if (!workspace) continue;
        const survivors = await dependencies.views.survivors(transaction, needs.memberIds);
        const state: MembershipFoldState = {
          workspaceId,
          timeZone: workspace.timezone,
          plans,
          memberships: await repo.loadMemberships(transaction, [...new Set(survivors.values())]),
          payments: await repo.loadPayments(transaction, workspaceId, needs.references),
          survivorOf: (memberId) => survivors.get(memberId) ?? memberId,
          changedPlans: new Set(),
          changedMemberships: new Set(),
          changedPayments: new Set(),
          answers: new Map(),
          derivedEvents: [],
          timers: [],
        };
        for (const [index, event] of events.entries()) {
          const operation = needs.operations[index];
          if (tick) for (const memberId of due) foldMembershipTime(state, memberId, event);
          else if (operation) foldMembershipOperation(state, operation.request, event);
          else if (needs.multiplying && event.memberId)
            foldOrderMultiplier(state, event, state.survivorOf(event.memberId));
        }
        await saveState(batch, state);
      }
    },
    async reset(transaction) {
      for (const table of repo.membershipDerivedTables) await transaction.deleteFrom(table).execute();
      await transaction.deleteFrom('timers').where('owner', '=', membershipTimerOwner).execute();
    },
  };
}
