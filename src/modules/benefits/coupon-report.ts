import type { CohortCounts } from './coupon-queries.repo.ts';
import type { CouponReportFigures } from './coupons.schema.ts';

const rate = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

/** Rates from counts: collection and redemption over issued, to four decimals. */
export function toFigures(counts: Omit<CohortCounts, 'cohort'>): CouponReportFigures {
  return {
    issued: counts.issued,
    collected: counts.collected,
    redeemed: counts.redeemed,
    expired: counts.expired,
    revoked: counts.revoked,
    collectionRate: rate(counts.collected, counts.issued),
    redemptionRate: rate(counts.redeemed, counts.issued),
    discountCost: counts.discountCost,
    attributedRevenue: counts.attributedRevenue,
  };
}

/** The template's figures overall and per cohort (a targeted issue beside its control). */
export function buildReport(cohorts: CohortCounts[]): CouponReportFigures & {
  cohorts: Array<CouponReportFigures & { cohort: string }>;
} {
  const keys = ['issued', 'collected', 'redeemed', 'expired', 'revoked', 'discountCost', 'attributedRevenue'] as const;
  const total = Object.fromEntries(
    keys.map((key) => [key, cohorts.reduce((sum, cohort) => sum + cohort[key], 0)]),
  ) as Omit<CohortCounts, 'cohort'>;
  return {
    ...toFigures(total),
    cohorts: cohorts.map((cohort) => ({ cohort: cohort.cohort, ...toFigures(cohort) })),
  };
}
