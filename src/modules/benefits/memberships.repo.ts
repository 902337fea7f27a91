import type { DbExecutor } from '../../platform/db/database.ts';
import { chunks } from '../../platform/db/chunks.ts';
import type { MembershipPaymentsTable, MembershipsTable } from '../../platform/db/benefits-schema.ts';
import type { Plan } from './membership.schema.ts';
import { loadDefinitions, saveDefinition } from './definitions.repo.ts';
import type { Membership, MembershipFoldState, Payment } from './membership-rules.ts';

/** Plans, memberships and payments: queries only. */

export async function loadPlans(db: DbExecutor, workspaceId: string) {
  const saved = await loadDefinitions<Plan>(db, 'membership_plans', workspaceId);
  return new Map([...saved].map(([id, { definition, ...times }]) => [id, { plan: definition, ...times }]));
}

function toMembership(row: MembershipsTable): Membership {
  return {
    memberId: row.member_id,
    planId: row.plan_id,
    status: row.status === 'trial' ? 'trial' : row.status === 'refunded' ? 'refunded' : 'active',
    periodStart: Number(row.period_start),
    periodEnd: Number(row.period_end),
    cancelAtPeriodEnd: Number(row.cancel_at_period_end) === 1,
    trialUsed: Number(row.trial_used) === 1,
    nextPackAt: row.next_pack_at === null ? null : Number(row.next_pack_at),
  };
}

function toPayment(row: MembershipPaymentsTable): Payment {
  return {
    reference: row.reference,
    memberId: row.member_id,
    planId: row.plan_id,
    kind: row.kind === 'trial' ? 'trial' : row.kind === 'renew' ? 'renew' : 'subscribe',
    amount: Number(row.amount),
    at: Number(row.at),
    refundedAt: row.refunded_at === null ? null : Number(row.refunded_at),
    eventId: row.event_id,
  };
}

export async function loadMemberships(db: DbExecutor, memberIds: string[]): Promise<Map<string, Membership>> {
  const found = new Map<string, Membership>();
  for (const chunk of chunks(memberIds)) {
    const rows = await db.selectFrom('memberships').selectAll().where('member_id', 'in', chunk).execute();
    for (const row of rows) found.set(row.member_id, toMembership(row));
  }
  return found;
}

export async function loadPayments(
  db: DbExecutor,
  workspaceId: string,
  references: string[],
): Promise<Map<string, Payment>> {
  const found = new Map<string, Payment>();
  for (const chunk of chunks(references)) {
    const rows = await db
      .selectFrom('membership_payments')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('reference', 'in', chunk)
      .execute();
    for (const row of rows) found.set(row.reference, toPayment(row));
  }
  return found;
}

export async function readPaymentsOf(db: DbExecutor, memberId: string): Promise<Payment[]> {
  const rows = await db
    .selectFrom('membership_payments')
    .selectAll()
    .where('member_id', '=', memberId)
    .orderBy('at')
    .execute();
  return rows.map(toPayment);
}

export async function saveMembershipState(db: DbExecutor, state: MembershipFoldState): Promise<void> {
  const workspace_id = state.workspaceId;
  for (const id of state.changedPlans) {
    const saved = state.plans.get(id);
    if (saved) {
      const { plan: definition, ...times } = saved;
      await saveDefinition(db, 'membership_plans', { workspaceId: workspace_id, id, saved: { definition, ...times } });
    }
  }
  for (const memberId of state.changedMemberships) {
    const membership = state.memberships.get(memberId);
    if (!membership) continue;
    const changes = {
      plan_id: membership.planId,
      status: membership.status,
      period_start: membership.periodStart,
      period_end: membership.periodEnd,
      cancel_at_period_end: membership.cancelAtPeriodEnd ? 1 : 0,
      trial_used: membership.trialUsed ? 1 : 0,
      next_pack_at: membership.nextPackAt,
    };
    await db
      .insertInto('memberships')
      .values({ member_id: memberId, workspace_id, ...changes })
      .onConflict((conflict) => conflict.column('member_id').doUpdateSet(changes))
      .execute();
  }
  for (const reference of state.changedPayments) {
    const payment = state.payments.get(reference);
    if (!payment) continue;
    const row = {
      workspace_id,
      reference,
      member_id: payment.memberId,
      plan_id: payment.planId,
      kind: payment.kind,
      amount: payment.amount,
      at: payment.at,
      refunded_at: payment.refundedAt,
      event_id: payment.eventId,
    };
    await db
      .insertInto('membership_payments')
      .values(row)
      .onConflict((conflict) =>
        conflict.columns(['workspace_id', 'reference']).doUpdateSet({ refunded_at: payment.refundedAt }),
      )
      .execute();
  }
}

/** A merged member's membership and payments become the survivor's, unless the survivor has a membership. */
/** The tables whose rows `reassignMemberships` moves: a merged member with none needs nothing. */
export const memberStateTables = ['membership_payments', 'memberships'] as const;

export async function reassignMemberships(db: DbExecutor, mergedId: string, survivorId: string): Promise<void> {
  await db
    .updateTable('membership_payments')
    .set({ member_id: survivorId })
    .where('member_id', '=', mergedId)
    .execute();
  const survivorHas = await db
    .selectFrom('memberships')
    .select('member_id')
    .where('member_id', '=', survivorId)
    .executeTakeFirst();
  if (survivorHas) await db.deleteFrom('memberships').where('member_id', '=', mergedId).execute();
  else await db.updateTable('memberships').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
}

export const membershipDerivedTables = ['membership_plans', 'memberships', 'membership_payments'] as const;
