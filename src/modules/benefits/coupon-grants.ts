import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import { issueCoupon } from './coupon-issuing.ts';
import type { CouponFoldState } from './coupon-state.ts';
import { couponGrantedEventName } from './product-code-fold.ts';
import { couponRefusalReason, rewardNotGrantedEvent, type RefusedReward } from './reward-outcomes.ts';

export interface CouponGrant {
  memberId: string;
  templateId: string;
  /** What granted it (`badge`, `product-code`): the coupon's cohort in the template report. */
  cohort: string;
  /** The granting benefit in full (`badge:ID`). */
  source: string;
}

/** Coupons an earlier stage granted (a scanned product code, a badge level), by the log event that caused them. */
export function couponGrantsByCause(derived: DerivedEvent[], workspaceId: string): Map<string, CouponGrant[]> {
  const byCause = new Map<string, CouponGrant[]>();
  for (const event of derived) {
    const templateId = event.properties.templateId;
    if (event.name !== couponGrantedEventName || event.workspaceId !== workspaceId || typeof templateId !== 'string') {
      continue;
    }
    const source = typeof event.properties.source === 'string' ? event.properties.source : 'granted';
    const grant = { memberId: event.memberId, templateId, cohort: source.split(':')[0] ?? 'granted', source };
    byCause.set(event.causeEventId, [...(byCause.get(event.causeEventId) ?? []), grant]);
  }
  return byCause;
}

function refuse(state: CouponFoldState, event: LoggedEvent, grant: CouponGrant, why: Omit<RefusedReward, 'reward'>) {
  const refused = { ...why, reward: { kind: 'coupon' as const, templateId: grant.templateId } };
  state.derivedEvents.push(rewardNotGrantedEvent(refused, state.workspaceId, event.eventTime, event.id));
}

/**
 * Issues each granted coupon, collected, at the place of its cause; the template's limits still
 * hold, and a coupon they refuse is said so (the member's rewards show it), never dropped.
 */
export function foldCouponGrants(state: CouponFoldState, event: LoggedEvent, grants: CouponGrant[]): void {
  for (const [index, grant] of grants.entries()) {
    const memberId = state.survivorOf(grant.memberId);
    const template = state.templates.get(grant.templateId);
    if (!template) {
      const message = `no coupon template ${grant.templateId}`;
      refuse(state, event, grant, { memberId, source: grant.source, reason: 'unknown_template', message });
      continue;
    }
    const outcome = issueCoupon(state, {
      template,
      memberId,
      cohort: grant.cohort,
      jobId: null,
      collected: true,
      event,
      // Past any index an operation of the same event could use.
      index: 90_000 + index,
      source: grant.source,
    });
    if (outcome.ok) continue;
    const reason = couponRefusalReason(outcome.refusal);
    refuse(state, event, grant, { memberId, source: grant.source, reason, message: outcome.message });
  }
}
