import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import { issueCoupon } from './coupon-issuing.ts';
import type { CouponFoldState } from './coupon-state.ts';
import { couponGrantedEventName } from './product-code-fold.ts';

export interface CouponGrant {
  memberId: string;
  templateId: string;
}

/** Coupons an earlier stage granted (a scanned product code), by the log event that caused them. */
export function couponGrantsByCause(derived: DerivedEvent[], workspaceId: string): Map<string, CouponGrant[]> {
  const byCause = new Map<string, CouponGrant[]>();
  for (const event of derived) {
    const templateId = event.properties.templateId;
    if (event.name !== couponGrantedEventName || event.workspaceId !== workspaceId || typeof templateId !== 'string') {
      continue;
    }
    byCause.set(event.causeEventId, [
      ...(byCause.get(event.causeEventId) ?? []),
      { memberId: event.memberId, templateId },
    ]);
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
      cohort: 'product-code',
      jobId: null,
      collected: true,
      event,
      // Past any index an operation of the same event could use.
      index: 90_000 + index,
    });
  }
}
