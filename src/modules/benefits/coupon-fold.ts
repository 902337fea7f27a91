import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { normalizeCode } from './coupon-codes.ts';
import { findMemberCoupon, issueCoupon, lookUpCode, type IssueOutcome } from './coupon-issuing.ts';
import type { CouponOperationPayload, CouponRequest } from './coupon-operations.ts';
import { readCouponUse } from './coupon-order-events.ts';
import * as rules from './coupon-rules.ts';
import type { Coupon, Decision, OrderContext } from './coupon-rules.ts';
import { toCouponView, type CouponFoldState, type JobState, type OperationAnswer } from './coupon-state.ts';
import type { CouponOrder } from './coupons.schema.ts';

type Action = Extract<CouponRequest, { couponId: string }>;

function answer(status: number, body: Record<string, unknown>): OperationAnswer {
  return { status, body };
}

function refusal(status: number, error: string, message: string): OperationAnswer {
  return answer(status, { error, message });
}

function couponAnswer(coupon: Coupon, now: number, status = 200): OperationAnswer {
  return answer(status, { coupon: toCouponView(coupon, rules.effectiveStatus(coupon, now)) });
}

function issueAnswer(outcome: IssueOutcome, now: number): OperationAnswer {
  return outcome.ok ? couponAnswer(outcome.coupon, now, 201) : refusal(409, outcome.refusal, outcome.message);
}

function orderContext(state: CouponFoldState, coupon: Coupon, order: CouponOrder, now: number): OrderContext {
  const others = [...state.coupons.values()]
    .filter((other) => other.id !== coupon.id && other.orderId === order.orderId)
    .filter((other) => {
      const status = rules.effectiveStatus(other, now);
      return status === 'redeemed' || status === 'reserved';
    })
    .map((other) => ({
      couponId: other.id,
      stackable: state.templates.get(other.templateId)?.definition.stackable ?? false,
    }));
  return { order, tier: state.tiers.get(coupon.memberId) ?? null, others };
}

function saveCoupon(state: CouponFoldState, before: Coupon, after: Coupon, event: LoggedEvent): void {
  if (after === before) return;
  state.coupons.set(after.id, after);
  state.changedCoupons.add(after.id);
  const became = (status: Coupon['status']) => after.status === status && before.status !== status;
  const name = became('redeemed') ? 'Coupon Redeemed' : became('collected') ? 'Coupon Collected' : undefined;
  if (!name) return;
  state.derivedEvents.push({
    workspaceId: state.workspaceId,
    memberId: after.memberId,
    name,
    at: event.eventTime,
    properties: {
      couponId: after.id,
      templateId: after.templateId,
      code: after.code,
      ...(name === 'Coupon Redeemed' ? { orderId: after.orderId, discount: after.discount } : {}),
    },
    causeEventId: event.id,
  });
}

function decideAction(state: CouponFoldState, coupon: Coupon, request: Action, now: number): Decision<Coupon> {
  const definition = state.templates.get(coupon.templateId)?.definition;
  if (!definition) return { ok: false, refusal: 'revoked', message: 'the coupon’s template is gone' };
  switch (request.action) {
    case 'collect':
      return rules.collect(coupon, now);
    case 'reserve':
      return rules.reserve(coupon, definition, orderContext(state, coupon, request.order, now), now);
    case 'redeem': {
      const context = request.order ? orderContext(state, coupon, request.order, now) : undefined;
      return rules.redeem(coupon, definition, request.orderId, context, now);
    }
    case 'release':
      return rules.release(coupon, request.orderId, now);
    case 'revoke':
      return rules.revoke(coupon, request.reason, now);
  }
}

function foldAction(state: CouponFoldState, request: Action, event: LoggedEvent): OperationAnswer {
  const coupon = state.coupons.get(request.couponId);
  if (!coupon) return refusal(404, 'not_found', `no coupon ${request.couponId}`);
  const decided = decideAction(state, coupon, request, event.eventTime);
  if (!decided.ok) return refusal(409, decided.refusal, decided.message);
  saveCoupon(state, coupon, decided.value, event);
  return couponAnswer(decided.value, event.eventTime);
}

function foldClaim(state: CouponFoldState, memberId: string, typed: string, event: LoggedEvent): OperationAnswer {
  const found = lookUpCode(state, typed);
  if (found.kind === 'unknown') return refusal(404, 'unknown_code', `no coupon has the code ${normalizeCode(typed)}`);
  if (found.kind === 'taken') {
    const own = findMemberCoupon(state, memberId, found.code);
    return own ? couponAnswer(own, event.eventTime) : refusal(409, 'code_taken', 'the code was already claimed');
  }
  const outcome = issueCoupon(state, {
    template: found.template,
    memberId,
    cohort: 'claimed',
    jobId: null,
    ...(found.kind === 'pool' ? { code: found.code } : {}),
    collected: true,
    event,
    index: 0,
  });
  return issueAnswer(outcome, event.eventTime);
}

type IssueRequest = Extract<CouponRequest, { action: 'issue' }>;

/** A list or segment issue arrives in several operations; the first one starts its job. */
function jobFor(state: CouponFoldState, request: IssueRequest, event: LoggedEvent): JobState | undefined {
  if (!request.job) return undefined;
  let job = state.jobs.get(request.job.id);
  if (!job) {
    job = {
      id: request.job.id,
      templateId: request.templateId,
      target: request.job.target,
      cohort: request.cohort,
      total: request.job.total,
      processed: request.job.unknown,
      issued: 0,
      skipped: request.job.unknown > 0 ? { unknown_member: request.job.unknown } : {},
      createdAt: event.eventTime,
      updatedAt: event.eventTime,
    };
    state.jobs.set(job.id, job);
  }
  return job;
}

function foldIssue(state: CouponFoldState, request: IssueRequest, event: LoggedEvent): OperationAnswer {
  const template = state.templates.get(request.templateId);
  const job = jobFor(state, request, event);
  if (!template) return refusal(404, 'not_found', `no coupon template ${request.templateId}`);
  let last: IssueOutcome | undefined;
  for (const [index, memberId] of request.memberIds.entries()) {
    last = issueCoupon(state, {
      template,
      memberId: state.survivorOf(memberId),
      cohort: request.cohort,
      jobId: job?.id ?? null,
      collected: false,
      event,
      index,
    });
    if (!job) continue;
    job.processed += 1;
    if (last.ok) job.issued += 1;
    else job.skipped[last.refusal] = (job.skipped[last.refusal] ?? 0) + 1;
  }
  if (job) {
    job.updatedAt = event.eventTime;
    state.changedJobs.add(job.id);
    return answer(202, { jobId: job.id });
  }
  return last ? issueAnswer(last, event.eventTime) : refusal(400, 'invalid_request', 'no member to issue to');
}

function foldSaveTemplate(
  state: CouponFoldState,
  request: Extract<CouponRequest, { action: 'save-template' }>,
  event: LoggedEvent,
): OperationAnswer {
  const existing = state.templates.get(request.templateId);
  const { definition } = request;
  const sameName = [...state.templates.values()].find(
    (template) => template.name === definition.name && template.id !== request.templateId,
  );
  if (sameName) return refusal(409, 'name_taken', `another coupon template is named ${definition.name}`);
  if (!existing && request.existing) return refusal(404, 'not_found', `no coupon template ${request.templateId}`);
  const sharedCode = definition.codes.type === 'shared' ? normalizeCode(definition.codes.code) : null;
  if (existing && existing.definition.codes.type !== definition.codes.type) {
    return refusal(409, 'codes_changed', 'a template keeps its kind of codes; make a new template');
  }
  const clash = [...state.templates.values()].find(
    (template) => sharedCode !== null && template.sharedCode === sharedCode && template.id !== request.templateId,
  );
  if (clash || (sharedCode !== null && state.namedCodes.has(sharedCode))) {
    return refusal(409, 'code_taken', `the code ${sharedCode ?? ''} is already in use in this workspace`);
  }
  state.templates.set(request.templateId, {
    id: request.templateId,
    name: definition.name,
    definition,
    sharedCode,
    issued: existing?.issued ?? 0,
    codePosition: existing?.codePosition ?? 0,
    availablePosition: existing?.availablePosition ?? 0,
    createdAt: existing?.createdAt ?? event.eventTime,
    updatedAt: event.eventTime,
  });
  state.changedTemplates.add(request.templateId);
  return answer(existing ? 200 : 201, { templateId: request.templateId });
}

function foldOperation(state: CouponFoldState, payload: CouponOperationPayload, event: LoggedEvent): OperationAnswer {
  const request = payload.request;
  switch (request.action) {
    case 'save-template':
      return foldSaveTemplate(state, request, event);
    case 'codes-added': {
      const template = state.templates.get(request.templateId);
      if (!template) return refusal(404, 'not_found', `no coupon template ${request.templateId}`);
      template.availablePosition = Math.max(template.availablePosition, request.throughPosition);
      state.changedTemplates.add(template.id);
      return answer(200, { templateId: template.id });
    }
    case 'issue':
      return foldIssue(state, request, event);
    case 'claim':
      return foldClaim(state, state.survivorOf(request.memberId), request.code, event);
    default:
      return foldAction(state, request, event);
  }
}

/** An order naming a coupon marks it redeemed: the member's own, or one claimed there and then by its code. */
function foldOrderEvent(state: CouponFoldState, event: LoggedEvent): void {
  const use = event.memberId ? readCouponUse(event, state.currency) : undefined;
  if (!use || !event.memberId) return;
  const memberId = state.survivorOf(event.memberId);
  const byId = use.couponId ? state.coupons.get(use.couponId) : undefined;
  let coupon = byId?.memberId === memberId ? byId : findMemberCoupon(state, memberId, use.code);
  if (!coupon) {
    const claimed = foldClaim(state, memberId, use.code, event);
    const id = (claimed.body.coupon as { id?: string } | undefined)?.id;
    coupon = id ? state.coupons.get(id) : undefined;
  }
  const definition = coupon ? state.templates.get(coupon.templateId)?.definition : undefined;
  if (!coupon || !definition) return;
  const decided = rules.redeemFromOrder(coupon, definition, use.order, use.discount, event.eventTime);
  if (decided.ok) saveCoupon(state, coupon, decided.value, event);
}

export function foldCouponEvent(
  state: CouponFoldState,
  event: LoggedEvent,
  operation: CouponOperationPayload | undefined,
): void {
  if (operation) state.answers.set(event.id, foldOperation(state, operation, event));
  else foldOrderEvent(state, event);
}
