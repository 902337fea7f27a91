import { DateTime } from 'luxon';
import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import type { MembershipRequest, MembershipStatus, Plan } from './membership.schema.ts';
import { couponGrantedEventName } from './product-code-fold.ts';
import { pointsMultipliedEventName } from '../loyalty/points-grants.ts';

/** A paid membership's state machine, decided in log order; time alone ends a term (read as expired). */

export interface Membership {
  memberId: string;
  planId: string;
  status: 'trial' | 'active' | 'refunded';
  periodStart: number;
  periodEnd: number;
  cancelAtPeriodEnd: boolean;
  trialUsed: boolean;
  /** A yearly plan's next monthly coupon; null when the plan has none between terms. */
  nextPackAt: number | null;
}

export interface Payment {
  reference: string;
  memberId: string;
  planId: string;
  kind: 'subscribe' | 'trial' | 'renew';
  amount: number;
  at: number;
  refundedAt: number | null;
  eventId: string;
}

export interface MembershipFoldState {
  workspaceId: string;
  timeZone: string;
  plans: Map<string, { plan: Plan; createdAt: number; updatedAt: number }>;
  memberships: Map<string, Membership>;
  /** Payments the batch names, by reference. */
  payments: Map<string, Payment>;
  survivorOf(memberId: string): string;
  changedPlans: Set<string>;
  changedMemberships: Set<string>;
  changedPayments: Set<string>;
  answers: Map<string, { status: number; body: Record<string, unknown> }>;
  derivedEvents: DerivedEvent[];
  /** When time alone next changes each member's membership (a monthly coupon, the end of a term). */
  timers: Array<{ subject: string; dueAt: number | null }>;
}

function monthAfter(instant: number, timeZone: string): number {
  return DateTime.fromMillis(instant, { zone: timeZone }).plus({ months: 1 }).toMillis();
}

/** The next time the membership changes by itself: its next monthly coupon within the term, or the term's end. */
function nextDue(membership: Membership, now: number): number | null {
  if (membership.status === 'refunded') return null;
  const pack =
    membership.nextPackAt !== null && membership.nextPackAt < membership.periodEnd ? membership.nextPackAt : null;
  if (pack !== null) return pack;
  return now < membership.periodEnd ? membership.periodEnd : null;
}

/**
 * Time passing for one member: a yearly plan's monthly coupons fall due, and a term that ran
 * out (not renewed, not refunded) ends with `Membership Expired`.
 */
export function foldMembershipTime(state: MembershipFoldState, memberId: string, event: LoggedEvent): void {
  let membership = state.memberships.get(memberId);
  if (!membership) {
    // Merged away since the timer was set: the survivor's membership has timers of its own.
    state.timers.push({ subject: memberId, dueAt: null });
    return;
  }
  const now = event.eventTime;
  const templateId = state.plans.get(membership.planId)?.plan.benefits.couponTemplateId;
  while (
    membership.nextPackAt !== null &&
    membership.nextPackAt <= now &&
    membership.nextPackAt < membership.periodEnd
  ) {
    if (templateId && membership.status !== 'refunded') {
      emit(state, memberId, couponGrantedEventName, event, { templateId, source: `membership:${membership.planId}` });
    }
    membership = { ...membership, nextPackAt: monthAfter(membership.nextPackAt, state.timeZone) };
  }
  if (membership.status !== 'refunded' && now >= membership.periodEnd) {
    emit(state, memberId, 'Membership Expired', event, {
      planId: membership.planId,
      endedAt: new Date(membership.periodEnd).toISOString(),
    });
  }
  state.memberships.set(memberId, membership);
  state.changedMemberships.add(memberId);
  state.timers.push({ subject: memberId, dueAt: nextDue(membership, now) });
}

export function effectiveStatus(membership: Membership | undefined, now: number): MembershipStatus {
  if (!membership) return 'none';
  if (membership.status === 'refunded') return 'refunded';
  if (now >= membership.periodEnd) return 'expired';
  if (membership.cancelAtPeriodEnd) return 'cancelled';
  return membership.status;
}

/** A term ends on the same local day of the next month or year (the workspace time zone). */
export function termEnd(plan: Plan, start: number, timeZone: string): number {
  const local = DateTime.fromMillis(start, { zone: timeZone });
  return (plan.term === 'monthly' ? local.plus({ months: 1 }) : local.plus({ years: 1 })).toMillis();
}

const refusal = (status: number, error: string, message: string) => ({ status, body: { error, message } });

function emit(
  state: MembershipFoldState,
  memberId: string,
  name: string,
  event: LoggedEvent,
  properties: Record<string, unknown>,
) {
  state.derivedEvents.push({
    workspaceId: state.workspaceId,
    memberId,
    name,
    at: event.eventTime,
    properties,
    causeEventId: event.id,
  });
}

function startTerm(state: MembershipFoldState, started: Membership, payment: Payment, event: LoggedEvent) {
  const plan = state.plans.get(started.planId)?.plan;
  const yearlyPack =
    plan?.term === 'yearly' && plan.benefits.couponTemplateId !== undefined && started.status === 'active';
  const nextPackAt = yearlyPack ? monthAfter(event.eventTime, state.timeZone) : null;
  const membership = { ...started, nextPackAt };
  state.memberships.set(membership.memberId, membership);
  state.timers.push({ subject: membership.memberId, dueAt: nextDue(membership, event.eventTime) });
  state.changedMemberships.add(membership.memberId);
  state.payments.set(payment.reference, payment);
  state.changedPayments.add(payment.reference);
  const benefits = plan?.benefits;
  // Partners' codes come with paid terms; the plan's own coupon with every term and trial.
  const paid = membership.status === 'active' ? (benefits?.partnerCodeTemplateIds ?? []) : [];
  for (const templateId of [benefits?.couponTemplateId, ...paid]) {
    if (templateId === undefined) continue;
    const source = `membership:${membership.planId}`;
    emit(state, membership.memberId, couponGrantedEventName, event, { templateId, source });
  }
  return { status: 200, body: { memberId: membership.memberId } };
}

/** A payment reference already used: the same request again is answered as before, another is refused. */
function repeated(existing: Payment | undefined, memberId: string, kinds: Payment['kind'][]) {
  if (!existing) return undefined;
  if (existing.memberId === memberId && kinds.includes(existing.kind)) return { status: 200, body: { memberId } };
  return refusal(409, 'reference_used', `the payment reference ${existing.reference} was already used`);
}

function subscribe(
  state: MembershipFoldState,
  request: Extract<MembershipRequest, { action: 'subscribe' }>,
  event: LoggedEvent,
) {
  const memberId = state.survivorOf(request.memberId);
  const again = repeated(state.payments.get(request.paymentReference), memberId, ['subscribe', 'trial']);
  if (again) return again;
  const plan = state.plans.get(request.planId)?.plan;
  if (!plan) return refusal(404, 'unknown_plan', `no plan ${request.planId}`);
  const current = state.memberships.get(memberId);
  const now = event.eventTime;
  if (['trial', 'active', 'cancelled'].includes(effectiveStatus(current, now))) {
    return refusal(409, 'already_member', 'the member already has a membership; renew it instead');
  }
  if (request.trial && plan.trialDays === undefined) return refusal(409, 'no_trial', 'the plan has no trial');
  if (request.trial && current?.trialUsed) return refusal(409, 'trial_used', 'the member already had a trial');
  const periodEnd = request.trial ? now + (plan.trialDays ?? 0) * 86_400_000 : termEnd(plan, now, state.timeZone);
  const membership: Membership = {
    memberId,
    planId: request.planId,
    status: request.trial ? 'trial' : 'active',
    periodStart: now,
    periodEnd,
    cancelAtPeriodEnd: false,
    trialUsed: Boolean(current?.trialUsed) || request.trial,
    nextPackAt: null,
  };
  const kind = request.trial ? 'trial' : 'subscribe';
  const payment: Payment = {
    reference: request.paymentReference,
    memberId,
    planId: request.planId,
    kind,
    amount: request.trial ? 0 : plan.price,
    at: now,
    refundedAt: null,
    eventId: event.id,
  };
  emit(state, memberId, 'Membership Started', event, { planId: request.planId, trial: request.trial });
  return startTerm(state, membership, payment, event);
}

function renew(
  state: MembershipFoldState,
  request: Extract<MembershipRequest, { action: 'renew' }>,
  event: LoggedEvent,
) {
  const memberId = state.survivorOf(request.memberId);
  const again = repeated(state.payments.get(request.paymentReference), memberId, ['renew']);
  if (again) return again;
  const current = state.memberships.get(memberId);
  const plan = current ? state.plans.get(current.planId)?.plan : undefined;
  if (!current || !plan || current.status === 'refunded') return refusal(409, 'not_member', 'subscribe first');
  const now = event.eventTime;
  const live = now < current.periodEnd;
  const start = live ? current.periodEnd : now;
  const membership: Membership = {
    ...current,
    status: 'active',
    periodStart: live && current.status === 'active' ? current.periodStart : now,
    periodEnd: termEnd(plan, start, state.timeZone),
    cancelAtPeriodEnd: false,
  };
  const payment: Payment = {
    reference: request.paymentReference,
    memberId,
    planId: current.planId,
    kind: 'renew',
    amount: plan.price,
    at: now,
    refundedAt: null,
    eventId: event.id,
  };
  emit(state, memberId, 'Membership Renewed', event, { planId: current.planId });
  return startTerm(state, membership, payment, event);
}

function cancel(state: MembershipFoldState, memberIdParam: string, event: LoggedEvent) {
  const memberId = state.survivorOf(memberIdParam);
  const current = state.memberships.get(memberId);
  const status = effectiveStatus(current, event.eventTime);
  if (!current || !['trial', 'active', 'cancelled'].includes(status))
    return refusal(409, 'not_member', 'no membership to cancel');
  if (!current.cancelAtPeriodEnd) {
    state.memberships.set(memberId, { ...current, cancelAtPeriodEnd: true });
    state.changedMemberships.add(memberId);
    emit(state, memberId, 'Membership Cancelled', event, {
      planId: current.planId,
      endsAt: new Date(current.periodEnd).toISOString(),
    });
  }
  return { status: 200, body: { memberId } };
}

function refund(
  state: MembershipFoldState,
  request: Extract<MembershipRequest, { action: 'refund' }>,
  event: LoggedEvent,
) {
  const memberId = state.survivorOf(request.memberId);
  const payment = state.payments.get(request.paymentReference);
  if (!payment || payment.memberId !== memberId)
    return refusal(404, 'unknown_payment', `no payment ${request.paymentReference} of this member`);
  if (payment.refundedAt !== null) return { status: 200, body: { memberId } };
  const current = state.memberships.get(memberId);
  state.payments.set(payment.reference, { ...payment, refundedAt: event.eventTime });
  state.changedPayments.add(payment.reference);
  if (current) {
    state.memberships.set(memberId, {
      ...current,
      status: 'refunded',
      periodEnd: Math.min(current.periodEnd, event.eventTime),
    });
    state.changedMemberships.add(memberId);
  }
  emit(state, memberId, 'Membership Refunded', event, { planId: payment.planId, amount: payment.amount });
  return { status: 200, body: { memberId } };
}

export function foldMembershipOperation(
  state: MembershipFoldState,
  request: MembershipRequest,
  event: LoggedEvent,
): void {
  let answer: { status: number; body: Record<string, unknown> };
  switch (request.action) {
    case 'save-plan': {
      const existing = state.plans.get(request.planId);
      state.plans.set(request.planId, {
        plan: request.plan,
        createdAt: existing?.createdAt ?? event.eventTime,
        updatedAt: event.eventTime,
      });
      state.changedPlans.add(request.planId);
      answer = { status: existing ? 200 : 201, body: { planId: request.planId } };
      break;
    }
    case 'subscribe':
      answer = subscribe(state, request, event);
      break;
    case 'renew':
      answer = renew(state, request, event);
      break;
    case 'cancel':
      answer = cancel(state, request.memberId, event);
      break;
    case 'refund':
      answer = refund(state, request, event);
      break;
  }
  state.answers.set(event.id, answer);
}

/** What a plan's member price discount takes off these orders, in minor units. */
export function discountSavings(plan: Plan, orders: Array<{ net: number }>): number {
  const percent = plan.benefits.memberPriceDiscountPercent ?? 0;
  return orders.reduce((sum, order) => sum + Math.floor((order.net * percent) / 100), 0);
}

/** An order by a member whose plan multiplies points: loyalty is told to multiply what the order earns. */
export function foldOrderMultiplier(state: MembershipFoldState, event: LoggedEvent, memberId: string): void {
  if (event.eventName !== 'Order Completed' || event.type !== 'track') return;
  const membership = state.memberships.get(memberId);
  if (!membership || !['trial', 'active', 'cancelled'].includes(effectiveStatus(membership, event.eventTime))) return;
  const multiplier = state.plans.get(membership.planId)?.plan.benefits.pointsMultiplier ?? 1;
  if (multiplier <= 1) return;
  emit(state, memberId, pointsMultipliedEventName, event, { multiplier, sourceId: `membership:${membership.planId}` });
}
