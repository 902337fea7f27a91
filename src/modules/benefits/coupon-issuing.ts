import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { normalizeCode } from './coupon-codes.ts';
import { validityWindow, type Coupon } from './coupon-rules.ts';
import { heldKey, type CouponFoldState, type PoolCode, type TemplateState } from './coupon-state.ts';

/** Why a member was not given a coupon: each is an expected outcome, counted in a job's progress. */
export type IssueRefusal = 'template_ended' | 'quantity_exhausted' | 'member_limit' | 'no_codes_left';

export type IssueOutcome = { ok: true; coupon: Coupon } | { ok: false; refusal: IssueRefusal; message: string };

export interface IssueRequest {
  template: TemplateState;
  memberId: string;
  cohort: string;
  jobId: string | null;
  /** A printed or typed pool code the member brought; otherwise the template's next one. */
  code?: PoolCode;
  collected: boolean;
  event: LoggedEvent;
  /** Numbers coupons made by one log event, so their ids are the same on replay. */
  index: number;
  /** The benefit whose reward this coupon is (`badge:ID`): the member's rewards list it. */
  source?: string;
}

function takeNextCode(state: CouponFoldState, template: TemplateState): string | undefined {
  const pool = state.pools.get(template.id) ?? [];
  // The pool may hold codes the log makes available only later in the batch: stop at those.
  for (let next = pool[0]; next && next.position <= template.availablePosition; next = pool[0]) {
    pool.shift();
    template.codePosition = Math.max(template.codePosition, next.position);
    if (!state.takenCodes.has(next.code)) return next.code;
  }
  return undefined;
}

function refusalOf(state: CouponFoldState, template: TemplateState, memberId: string, now: number) {
  const { definition } = template;
  if (definition.validity.type === 'fixed' && now >= Date.parse(definition.validity.to)) {
    return { refusal: 'template_ended', message: `the template ended at ${definition.validity.to}` } as const;
  }
  if (definition.quantity !== undefined && template.issued >= definition.quantity) {
    return { refusal: 'quantity_exhausted', message: `all ${definition.quantity} coupons are issued` } as const;
  }
  if ((state.held.get(heldKey(template.id, memberId)) ?? 0) >= definition.perMemberLimit) {
    return {
      refusal: 'member_limit',
      message: `the member already holds ${definition.perMemberLimit} of this template`,
    } as const;
  }
  return undefined;
}

/** One coupon for one member, within the template's quantity, the member's limit and the codes left. */
export function issueCoupon(state: CouponFoldState, request: IssueRequest): IssueOutcome {
  const { template, memberId, event } = request;
  const now = event.eventTime;
  const refused = refusalOf(state, template, memberId, now);
  if (refused) return { ok: false, ...refused };
  const code =
    template.definition.codes.type === 'shared'
      ? (template.sharedCode ?? '')
      : (request.code?.code ?? takeNextCode(state, template));
  if (code === undefined) {
    return { ok: false, refusal: 'no_codes_left', message: 'the template has no codes left: generate or import more' };
  }
  if (template.definition.codes.type !== 'shared') state.takenCodes.add(code);
  const window = validityWindow(template.definition.validity, now);
  const coupon: Coupon = {
    id: `cpn_${event.id.replace(/^evt_/, '')}_${String(request.index).padStart(5, '0')}`,
    templateId: template.id,
    memberId,
    code,
    status: request.collected ? 'collected' : 'issued',
    cohort: request.cohort,
    jobId: request.jobId,
    issuedAt: now,
    collectedAt: request.collected ? now : null,
    ...window,
    orderId: null,
    reservedUntil: null,
    discount: null,
    orderTotal: null,
    redeemedAt: null,
    revokedAt: null,
    revokedReason: null,
    eventId: event.id,
  };
  template.issued += 1;
  state.changedTemplates.add(template.id);
  state.held.set(heldKey(template.id, memberId), (state.held.get(heldKey(template.id, memberId)) ?? 0) + 1);
  state.coupons.set(coupon.id, coupon);
  state.changedCoupons.add(coupon.id);
  state.derivedEvents.push({
    workspaceId: state.workspaceId,
    memberId,
    name: 'Coupon Issued',
    at: now,
    properties: {
      couponId: coupon.id,
      templateId: template.id,
      code,
      cohort: request.cohort,
      ...(request.source === undefined ? {} : { source: request.source }),
    },
    causeEventId: event.id,
  });
  return { ok: true, coupon };
}

export type CodeLookup =
  | { kind: 'shared'; template: TemplateState }
  | { kind: 'pool'; template: TemplateState; code: PoolCode }
  | { kind: 'taken'; code: string }
  | { kind: 'unknown' };

/** What a code a member typed is: a template's shared code, a free pool code, a used one, or nothing. */
export function lookUpCode(state: CouponFoldState, typed: string): CodeLookup {
  const code = normalizeCode(typed);
  for (const template of state.templates.values()) {
    if (template.sharedCode === code) return { kind: 'shared', template };
  }
  const pooled = state.namedCodes.get(code);
  const template = pooled ? state.templates.get(pooled.templateId) : undefined;
  if (!pooled || !template || pooled.position > template.availablePosition) return { kind: 'unknown' };
  if (state.takenCodes.has(code)) return { kind: 'taken', code };
  return { kind: 'pool', template, code: pooled };
}

/** The member's own coupon carrying this code, preferring one still usable. */
export function findMemberCoupon(state: CouponFoldState, memberId: string, code: string): Coupon | undefined {
  const normalized = normalizeCode(code);
  const mine = [...state.coupons.values()].filter(
    (coupon) => coupon.memberId === memberId && coupon.code === normalized,
  );
  const rank = (coupon: Coupon): number =>
    coupon.status === 'reserved' ? 0 : coupon.status === 'collected' ? 1 : coupon.status === 'issued' ? 2 : 3;
  return mine.sort((left, right) => rank(left) - rank(right) || left.id.localeCompare(right.id))[0];
}
