import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import { issueCoupon } from './coupon-issuing.ts';
import type { CouponFoldState } from './coupon-state.ts';
import { couponGrantedEventName } from './product-code-fold.ts';

export interface CouponGrant {
  memberId: string;
  templateId: string;
  /** What granted it (`badge`, `product-code`): the coupon's cohort in the template report. */
  cohort: string;
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
    const grant = { memberId: event.memberId, templateId, cohort: source.split(':')[0] ?? 'granted' };
    byCause.set(event.causeEventId, [...(byCause.get(event.causeEventId) ?? []), grant]);
  }
  return byCause;
}

/** Issues each granted coupon, collected, at the place of its cause; the template's limits still hold. */
export function foldCouponGrants(state: CouponFoldState, event: LoggedEvent, grants: CouponGrant[]): void {
  for (const [index, grant] of grants.entries()) {
    const template = state.templates.get(grant.templateId);
    if (!template) continue;
    issueCoupon(state, {
      template,
      memberId: state.survivorOf(grant.memberId),
      cohort: grant.cohort,
      jobId: null,
      collected: true,
      event,
      // Past any index an operation of the same event could use.
      index: 90_000 + index,
    });
  }
}
