import { DateTime } from 'luxon';
import { checkNamedTemplates } from './coupon-template-references.ts';
import { fingerprintOf } from '../../platform/http/idempotency-key.ts';
import type { z } from 'zod';
import { notFound } from '../../platform/errors.ts';
import { readOrderTotals } from '../profiles/orders.repo.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { answerOf, submitOperations, type OperationDependencies } from './benefit-operations.ts';
import * as couponQueries from './coupon-queries.repo.ts';
import type { OperationAnswer } from './coupon-state.ts';
import { loadTemplates } from './coupons.repo.ts';
import type { MembershipRequest, Plan, membershipViewSchema, planViewSchema } from './membership.schema.ts';
import { discountSavings, effectiveStatus, type Membership } from './membership-rules.ts';
import * as repo from './memberships.repo.ts';

type MembershipView = z.infer<typeof membershipViewSchema>;
type PlanView = z.infer<typeof planViewSchema>;
type MemberAction = Exclude<MembershipRequest, { action: 'save-plan' }>;
type WithoutMember<T> = T extends unknown ? Omit<T, 'memberId'> : never;

export interface MembershipsService {
  savePlan(workspaceId: string, planId: string, plan: Plan, key: string | undefined): Promise<OperationAnswer>;
  listPlans(workspaceId: string): Promise<PlanView[]>;
  act(
    workspaceId: string,
    memberId: string,
    action: WithoutMember<MemberAction>,
    key: string | undefined,
  ): Promise<OperationAnswer>;
  view(workspaceId: string, memberId: string): Promise<MembershipView>;
}

const iso = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());

export function createMembershipsService(
  dependencies: OperationDependencies & {
    workspaces: WorkspaceService;
    resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  },
): MembershipsService {
  const { database, clock } = dependencies;
  const db = database.db;
  const submit = async (workspaceId: string, key: string | undefined, request: MembershipRequest) => {
    const operation = {
      workspaceId,
      name: 'memberships',
      eventName: 'Membership Operation',
      key,
      fingerprint: fingerprintOf(request),
    };
    const { stored, refused } = await submitOperations(dependencies, operation, [request]);
    return refused ?? answerOf(dependencies, stored[0]);
  };

  /** Savings of a plan over these orders, plus what its coupons took off when they were used. */
  async function couponSavings(memberId: string, templateId: string | undefined, from: number, to: number) {
    if (!templateId) return 0;
    const redeemed = await couponQueries.readMemberCoupons(db, memberId, { status: 'redeemed', now: to, limit: 1_000 });
    return redeemed
      .filter(
        (coupon) =>
          coupon.templateId === templateId && (coupon.redeemedAt ?? 0) >= from && (coupon.redeemedAt ?? 0) <= to,
      )
      .reduce((sum, coupon) => sum + (coupon.discount ?? 0), 0);
  }

  async function termSavings(workspaceId: string, membership: Membership, plan: Plan, currency: string) {
    const to = Math.min(clock.now(), membership.periodEnd);
    const orders = await readOrderTotals(db, membership.memberId, { from: membership.periodStart, to, currency });
    const amount =
      discountSavings(plan, orders) +
      (await couponSavings(membership.memberId, plan.benefits.couponTemplateId, membership.periodStart, to));
    return { amount, orders: orders.length, from: iso(membership.periodStart) ?? '', to: iso(to) ?? '' };
  }

  /** The number on the purchase page: the last 12 months of real orders, as if the member had had each plan. */
  async function wouldSave(workspaceId: string, memberId: string, currency: string, timeZone: string) {
    const now = clock.now();
    const from = DateTime.fromMillis(now, { zone: timeZone }).minus({ years: 1 }).toMillis();
    const orders = await readOrderTotals(db, memberId, { from, to: now, currency });
    const templates = await loadTemplates(db, workspaceId);
    return [...(await repo.loadPlans(db, workspaceId))].map(([planId, { plan }]) => {
      const terms = plan.term === 'monthly' ? 12 : 1;
      const discount = templates.get(plan.benefits.couponTemplateId ?? '')?.definition.discount;
      const couponValue = discount?.type === 'amount' ? discount.amount * terms : 0;
      const amount = discountSavings(plan, orders) + couponValue;
      return {
        planId,
        amount,
        orders: orders.length,
        from: iso(from) ?? '',
        to: iso(now) ?? '',
        net: amount - plan.price * terms,
      };
    });
  }

  return {
    async savePlan(workspaceId, planId, plan, key) {
      await checkNamedTemplates(db, workspaceId, [
        ['body.benefits.couponTemplateId', plan.benefits.couponTemplateId],
        ...plan.benefits.partnerCodeTemplateIds.map(
          (id, index) => [`body.benefits.partnerCodeTemplateIds.${index}`, id] as const,
        ),
      ]);
      const answer = await submit(workspaceId, key, { action: 'save-plan', planId, plan });
      const saved = (await repo.loadPlans(db, workspaceId)).get(planId);
      if (answer.status >= 300 || !saved) return answer;
      return {
        status: answer.status,
        body: { ...saved.plan, id: planId, createdAt: iso(saved.createdAt), updatedAt: iso(saved.updatedAt) },
      };
    },
    async listPlans(workspaceId) {
      return [...(await repo.loadPlans(db, workspaceId))].map(([id, saved]) => ({
        ...saved.plan,
        id,
        createdAt: iso(saved.createdAt) ?? '',
        updatedAt: iso(saved.updatedAt) ?? '',
      }));
    },
    async act(workspaceId, memberIdParam, action, key) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const answer = await submit(workspaceId, key, { ...action, memberId } as MembershipRequest);
      return answer.status >= 300 ? answer : { status: 200, body: await this.view(workspaceId, memberId) };
    },
    async view(workspaceId, memberIdParam) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const workspace = await dependencies.workspaces.get(workspaceId);
      if (!workspace) throw notFound('workspace not found');
      const membership = (await repo.loadMemberships(db, [memberId])).get(memberId);
      const plan = membership ? (await repo.loadPlans(db, workspaceId)).get(membership.planId)?.plan : undefined;
      const status = effectiveStatus(membership, clock.now());
      const live = ['trial', 'active', 'cancelled'].includes(status);
      return {
        memberId,
        status,
        planId: membership?.planId ?? null,
        periodStart: iso(membership?.periodStart ?? null),
        periodEnd: iso(membership?.periodEnd ?? null),
        cancelAtPeriodEnd: membership?.cancelAtPeriodEnd ?? false,
        payments: (await repo.readPaymentsOf(db, memberId)).map((payment) => ({
          reference: payment.reference,
          kind: payment.kind,
          amount: payment.amount,
          at: iso(payment.at) ?? '',
          refundedAt: iso(payment.refundedAt),
        })),
        savings:
          membership && plan && live ? await termSavings(workspaceId, membership, plan, workspace.currency) : null,
        wouldSave: await wouldSave(workspaceId, memberId, workspace.currency, workspace.timezone),
      };
    },
  };
}
