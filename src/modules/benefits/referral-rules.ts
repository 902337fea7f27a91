import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import { isRecord } from '../../platform/values.ts';
import { pointsGrantedEvent } from '../loyalty/points-grants.ts';
import { parseOrderEvent } from '../profiles/orders.ts';
import { couponGrantedEventName } from './product-code-fold.ts';
import { rewardNotGrantedEvent } from './reward-outcomes.ts';
import type { ReferralProgram, ReferralRequest, ReferralReward } from './referral.schema.ts';

/** Referrals in log order: link once (no self-referral, no cycle), qualify on the first order, reward after its return window. */

export interface Referral {
  refereeId: string;
  referrerId: string;
  code: string;
  linkedAt: number;
  status: 'linked' | 'qualified' | 'rewarded' | 'voided';
  orderId: string | null;
  orderTotal: number | null;
  qualifiedAt: number | null;
  rewardedAt: number | null;
  referrerRewarded: boolean;
  eventId: string;
}

export interface ReferralFoldState {
  workspaceId: string;
  currency: string;
  timeZone: string;
  program: { definition: ReferralProgram; createdAt: number; updatedAt: number } | undefined;
  programChanged: boolean;
  memberByCode: Map<string, string>;
  codeByMember: Map<string, string>;
  newCodes: Array<{ code: string; memberId: string; at: number }>;
  referrals: Map<string, Referral>;
  changedReferrals: Set<string>;
  /** Completed orders each member had before this batch, then counted on. */
  orderCounts: Map<string, number>;
  /** The times each referrer was rewarded, for the caps. */
  referrerRewards: Map<string, number[]>;
  /** Order totals left after refunds, for qualified referrals falling due now. */
  netOrders: Map<string, number>;
  timers: Array<{ subject: string; dueAt: number | null }>;
  survivorOf(memberId: string): string;
  answers: Map<string, { status: number; body: Record<string, unknown> }>;
  derivedEvents: DerivedEvent[];
}

const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A member's code: derived from the member id (the same on replay), another draw if another member has it. */
export function candidateCode(memberId: string, attempt: number): string {
  const digest = createHash('sha256').update(`${memberId}:${attempt}`).digest();
  return [...digest.subarray(0, 8)].map((byte) => letters[byte % letters.length]).join('');
}

/** The stage loads the owners of a member's first candidates, so a taken one is seen here. */
export const candidatesLoaded = 4;

export function codeFor(state: ReferralFoldState, memberId: string): string {
  for (let attempt = 0; ; attempt += 1) {
    const code = candidateCode(memberId, attempt);
    const owner = state.memberByCode.get(code);
    if (owner === undefined || owner === memberId) return code;
  }
}

export function referralView(referral: Referral) {
  const iso = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());
  return {
    refereeId: referral.refereeId,
    referrerId: referral.referrerId,
    status: referral.status,
    linkedAt: iso(referral.linkedAt) ?? '',
    orderId: referral.orderId,
    rewardedAt: iso(referral.rewardedAt),
    referrerRewarded: referral.referrerRewarded,
  };
}

const refusal = (status: number, error: string, message: string) => ({ status, body: { error, message } });

function issueCode(state: ReferralFoldState, memberId: string, event: LoggedEvent) {
  let code = state.codeByMember.get(memberId);
  if (!code) {
    code = codeFor(state, memberId);
    state.codeByMember.set(memberId, code);
    state.memberByCode.set(code, memberId);
    state.newCodes.push({ code, memberId, at: event.eventTime });
  }
  return { status: 200, body: { memberId, code } };
}

function makesCycle(state: ReferralFoldState, refereeId: string, referrerId: string): boolean {
  let current: string | undefined = referrerId;
  for (let depth = 0; current !== undefined && depth < 64; depth += 1) {
    if (current === refereeId) return true;
    current = state.referrals.get(current)?.referrerId;
  }
  return false;
}

function link(state: ReferralFoldState, refereeId: string, typed: string, event: LoggedEvent) {
  if (!state.program) return refusal(409, 'no_program', 'the workspace has no referral program');
  const code = typed.trim().toUpperCase();
  const referrerId = state.memberByCode.get(code);
  if (!referrerId) return refusal(404, 'unknown_code', `no referral code ${code}`);
  const existing = state.referrals.get(refereeId);
  if (existing) {
    return existing.referrerId === referrerId
      ? { status: 200, body: { referral: referralView(existing) } }
      : refusal(409, 'already_referred', 'the member was already referred by someone else');
  }
  if (referrerId === refereeId) return refusal(409, 'self_referral', 'a member cannot refer themselves');
  if ((state.orderCounts.get(refereeId) ?? 0) > 0) return refusal(409, 'not_new', 'the member has ordered before');
  if (makesCycle(state, refereeId, referrerId))
    return refusal(409, 'cycle', 'the referrer was brought in by this member');
  const referral: Referral = {
    refereeId,
    referrerId,
    code,
    linkedAt: event.eventTime,
    status: 'linked',
    orderId: null,
    orderTotal: null,
    qualifiedAt: null,
    rewardedAt: null,
    referrerRewarded: false,
    eventId: event.id,
  };
  state.referrals.set(refereeId, referral);
  state.changedReferrals.add(refereeId);
  return { status: 201, body: { referral: referralView(referral) } };
}

/** The referee's first order, if it reaches the minimum, starts the return window the rewards wait for. */
function foldOrder(state: ReferralFoldState, memberId: string, event: LoggedEvent): void {
  const order = parseOrderEvent(event.eventName, event.payload, state.currency);
  if (order?.kind !== 'completed') return;
  state.orderCounts.set(memberId, (state.orderCounts.get(memberId) ?? 0) + 1);
  const referral = state.referrals.get(memberId);
  const program = state.program?.definition;
  if (!referral || !program || referral.status !== 'linked' || (order.amount ?? 0) < program.minimumOrder) return;
  const dueAt = event.eventTime + program.returnWindowDays * 86_400_000;
  state.referrals.set(memberId, {
    ...referral,
    status: 'qualified',
    orderId: order.orderId,
    orderTotal: order.amount ?? 0,
    qualifiedAt: event.eventTime,
  });
  state.changedReferrals.add(memberId);
  state.timers.push({ subject: memberId, dueAt });
}

function grant(state: ReferralFoldState, memberId: string, reward: ReferralReward, role: string, event: LoggedEvent) {
  if (reward.type === 'points') {
    const points = {
      memberId,
      points: reward.points,
      reason: `referral (${role})`,
      sourceType: 'benefit' as const,
      sourceId: `referral:${role}`,
    };
    state.derivedEvents.push(pointsGrantedEvent(points, state.workspaceId, event.eventTime, event.id));
    return;
  }
  state.derivedEvents.push({
    workspaceId: state.workspaceId,
    memberId,
    name: couponGrantedEventName,
    at: event.eventTime,
    properties: { templateId: reward.templateId, source: `referral:${role}` },
    causeEventId: event.id,
  });
}

/** Which of the program's caps the referrer has reached by now, said for the member's rewards; none: undefined. */
function capReached(state: ReferralFoldState, program: ReferralProgram, referrerId: string, now: number) {
  const rewarded = state.referrerRewards.get(referrerId) ?? [];
  const { total, perMonth } = program.caps;
  if (total !== undefined && rewarded.length >= total) return `the referrer reached the cap of ${total} rewards in all`;
  if (perMonth === undefined) return undefined;
  const month = (instant: number) => DateTime.fromMillis(instant, { zone: state.timeZone }).toFormat('yyyy-MM');
  const thisMonth = rewarded.filter((at) => month(at) === month(now)).length;
  return thisMonth < perMonth
    ? undefined
    : `the referrer reached the cap of ${perMonth} rewards a month in ${month(now)}`;
}

function refuseReferrer(state: ReferralFoldState, referrerId: string, message: string, event: LoggedEvent) {
  const reward = state.program?.definition.referrerReward;
  if (!reward) return;
  const refused = {
    memberId: referrerId,
    source: 'referral:referrer',
    reward:
      reward.type === 'points'
        ? { kind: 'points' as const, points: reward.points }
        : { kind: 'coupon' as const, templateId: reward.templateId },
    reason: 'referral_cap_reached' as const,
    message,
  };
  state.derivedEvents.push(rewardNotGrantedEvent(refused, state.workspaceId, event.eventTime, event.id));
}

/** A qualified referral whose return window has passed: rewarded if its order stands, voided if it was refunded. */
export function settleReferral(state: ReferralFoldState, refereeId: string, event: LoggedEvent): void {
  const referral = state.referrals.get(refereeId);
  const program = state.program?.definition;
  state.timers.push({ subject: refereeId, dueAt: null });
  if (!referral || !program || referral.status !== 'qualified') return;
  const left = state.netOrders.get(referral.orderId ?? '') ?? 0;
  if (left <= 0 || left < program.minimumOrder) {
    state.referrals.set(refereeId, { ...referral, status: 'voided' });
    state.changedReferrals.add(refereeId);
    return;
  }
  const now = event.eventTime;
  const capped = capReached(state, program, referral.referrerId, now);
  const referrerRewarded = capped === undefined;
  if (program.refereeReward) grant(state, refereeId, program.refereeReward, 'referee', event);
  if (capped !== undefined) refuseReferrer(state, referral.referrerId, capped, event);
  else {
    grant(state, referral.referrerId, program.referrerReward, 'referrer', event);
    state.referrerRewards.set(referral.referrerId, [...(state.referrerRewards.get(referral.referrerId) ?? []), now]);
  }
  state.referrals.set(refereeId, { ...referral, status: 'rewarded', rewardedAt: now, referrerRewarded });
  state.changedReferrals.add(refereeId);
  state.derivedEvents.push({
    workspaceId: state.workspaceId,
    memberId: referral.referrerId,
    name: 'Referral Completed',
    at: now,
    properties: { refereeId, orderId: referral.orderId, referrerRewarded },
    causeEventId: event.id,
  });
}

/** The referral code a sign-up carries: `Signed Up` with `referral_code`, or an identify with it in traits. */
export function readSignUpCode(event: LoggedEvent): string | undefined {
  const source =
    event.type === 'identify'
      ? event.payload.traits
      : event.eventName === 'Signed Up'
        ? event.payload.properties
        : undefined;
  if (!isRecord(source)) return undefined;
  const code = source.referral_code ?? source.referralCode;
  return typeof code === 'string' && code.trim() !== '' ? code : undefined;
}

export function foldReferralEvent(
  state: ReferralFoldState,
  event: LoggedEvent,
  request: ReferralRequest | undefined,
  memberId: string | null,
): void {
  if (request?.action === 'save-program') {
    state.program = {
      definition: request.program,
      createdAt: state.program?.createdAt ?? event.eventTime,
      updatedAt: event.eventTime,
    };
    state.programChanged = true;
    state.answers.set(event.id, { status: 200, body: {} });
    return;
  }
  if (request?.action === 'issue-code') {
    state.answers.set(event.id, issueCode(state, state.survivorOf(request.memberId), event));
    return;
  }
  if (request?.action === 'link') {
    state.answers.set(event.id, link(state, state.survivorOf(request.memberId), request.code, event));
    return;
  }
  if (!memberId) return;
  const code = readSignUpCode(event);
  if (code && !state.referrals.has(memberId)) link(state, memberId, code, event);
  foldOrder(state, memberId, event);
}
