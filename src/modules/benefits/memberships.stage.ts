import { groupByWorkspace, type Stage } from '../../platform/processor/stage.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import type { CouponMemberViews } from './coupons.stage.ts';
import { saveAnswers } from './coupons.repo.ts';
import { foldMembershipOperation, foldOrderMultiplier, type MembershipFoldState } from './membership-rules.ts';
import { readMembershipOperation } from './membership.schema.ts';
import * as repo from './memberships.repo.ts';

/** Paid membership: plans, subscriptions, renewals, cancellations and refunds in log order. */
export function createMembershipsStage(dependencies: {
  workspaces: WorkspaceService;
  views: Pick<CouponMemberViews, 'survivors'>;
}): Stage {
  return {
    name: 'memberships',
    async apply(batch) {
      for (const merge of batch.merges)
        await repo.reassignMemberships(batch.transaction, merge.mergedId, merge.survivorId);
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const operations = events.map((event) => readMembershipOperation(event.payload));
        const plans = await repo.loadPlans(batch.transaction, workspaceId);
        // Orders matter only while some plan multiplies points.
        const planned = [
          ...[...plans.values()].map((saved) => saved.plan),
          ...operations.flatMap((operation) =>
            operation?.request.action === 'save-plan' ? [operation.request.plan] : [],
          ),
        ];
        const multiplying = planned.some((plan) => (plan.benefits.pointsMultiplier ?? 1) > 1);
        const buyers = multiplying
          ? events.flatMap((event) => (event.eventName === 'Order Completed' && event.memberId ? [event.memberId] : []))
          : [];
        if (operations.every((operation) => operation === undefined) && buyers.length === 0) continue;
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        const requests = operations.flatMap((operation) => (operation ? [operation.request] : []));
        const memberIds = [
          ...buyers,
          ...requests.flatMap((request) => ('memberId' in request ? [request.memberId] : [])),
        ];
        const references = requests.flatMap((request) =>
          'paymentReference' in request ? [request.paymentReference] : [],
        );
        const survivors = await dependencies.views.survivors(batch.transaction, memberIds);
        const state: MembershipFoldState = {
          workspaceId,
          timeZone: workspace.timezone,
          plans,
          memberships: await repo.loadMemberships(batch.transaction, [...new Set(survivors.values())]),
          payments: await repo.loadPayments(batch.transaction, workspaceId, references),
          survivorOf: (memberId) => survivors.get(memberId) ?? memberId,
          changedPlans: new Set(),
          changedMemberships: new Set(),
          changedPayments: new Set(),
          answers: new Map(),
          derivedEvents: [],
        };
        for (const [index, event] of events.entries()) {
          const operation = operations[index];
          if (operation) foldMembershipOperation(state, operation.request, event);
          else if (multiplying && event.memberId) foldOrderMultiplier(state, event, state.survivorOf(event.memberId));
        }
        await repo.saveMembershipState(batch.transaction, state);
        await saveAnswers(batch.transaction, workspaceId, state.answers);
        for (const memberId of state.changedMemberships) batch.changedMembers.add(memberId);
        batch.derivedEvents.push(...state.derivedEvents);
      }
    },
    async reset(transaction) {
      for (const table of repo.membershipDerivedTables) await transaction.deleteFrom(table).execute();
    },
  };
}
