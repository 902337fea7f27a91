/**
 * RFM scoring, compatible with the R `rfm` package's `rfm_table_order` so an analyst can check
 * Hearth's answer against R on the same orders: per score, the breaks are R's `quantile(type = 7)`
 * of the customers' values at 20/40/60/80% plus 1; score i covers [lower_i, upper_i), with the
 * minimum as the first lower bound and the maximum plus 1 as the last upper bound; recency is
 * scored in reverse (the most recent customers get 5).
 */

import type { IANAZone } from 'luxon';
import { localDayNumber } from './analysis-window.ts';

export interface CustomerActivity {
  memberId: string;
  /** Whole days from the last order's local date to the analysis date. */
  recencyDays: number;
  orders: number;
  /** In currency units (not minor units), as R sees revenue: the "+1" of the breaks is one unit. */
  monetary: number;
}

export interface RfmScores {
  recency: number;
  frequency: number;
  monetary: number;
}

export interface ScoreBounds {
  lower: number[];
  upper: number[];
}

export interface RfmThresholds {
  recency: ScoreBounds;
  frequency: ScoreBounds;
  monetary: ScoreBounds;
}

export interface RfmSegmentRule {
  name: string;
  recency: [number, number];
  frequency: [number, number];
  monetary: [number, number];
}

export const scoreBins = 5;

/** R's `quantile(x, p, type = 7)`, including how it interpolates: (1 − h)·x[lo] + h·x[hi]. */
export function quantileType7(sorted: readonly number[], probability: number): number {
  const count = sorted.length;
  if (count === 0) return Number.NaN;
  const index = 1 + Math.max(count - 1, 0) * probability;
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const low = sorted[lo - 1] as number;
  const high = sorted[hi - 1] as number;
  if (!(index > lo) || high === low) return low;
  const h = index - lo;
  return (1 - h) * low + h * high;
}

/** The score bounds of one measure over every customer's value. */
export function scoreBounds(values: readonly number[]): ScoreBounds {
  const sorted = [...values].sort((a, b) => a - b);
  // R's seq(0, 1, length.out = 6): i × 0.2, so 0.6 is 0.6000000000000001 there as here.
  const step = 1 / scoreBins;
  const breaks = Array.from({ length: scoreBins - 1 }, (_, index) => quantileType7(sorted, (index + 1) * step) + 1);
  const minimum = sorted[0] ?? 0;
  const maximum = sorted[sorted.length - 1] ?? 0;
  return { lower: [minimum, ...breaks], upper: [...breaks, maximum + 1] };
}

/** The bin the value falls in, 1-based; later bins win where R's assignments would overwrite. */
function binOf(value: number, bounds: ScoreBounds): number {
  let bin = 0;
  bounds.lower.forEach((lower, index) => {
    if (value >= lower && value < (bounds.upper[index] as number)) bin = index + 1;
  });
  return bin;
}

export function computeThresholds(customers: readonly CustomerActivity[]): RfmThresholds {
  return {
    recency: scoreBounds(customers.map((customer) => customer.recencyDays)),
    frequency: scoreBounds(customers.map((customer) => customer.orders)),
    monetary: scoreBounds(customers.map((customer) => customer.monetary)),
  };
}

export function scoreCustomer(customer: CustomerActivity, thresholds: RfmThresholds): RfmScores {
  const recencyBin = binOf(customer.recencyDays, thresholds.recency);
  return {
    recency: recencyBin === 0 ? 0 : scoreBins + 1 - recencyBin,
    frequency: binOf(customer.orders, thresholds.frequency),
    monetary: binOf(customer.monetary, thresholds.monetary),
  };
}

/** The usual named segments; the first that matches wins, bounds inclusive, the rest are Others. */
export const defaultRfmSegments: RfmSegmentRule[] = [
  { name: 'Champions', recency: [4, 5], frequency: [4, 5], monetary: [4, 5] },
  { name: 'Loyal Customers', recency: [2, 5], frequency: [3, 5], monetary: [3, 5] },
  { name: 'Potential Loyalist', recency: [3, 5], frequency: [1, 3], monetary: [1, 3] },
  { name: 'New Customers', recency: [4, 5], frequency: [1, 1], monetary: [1, 1] },
  { name: 'Promising', recency: [3, 4], frequency: [1, 1], monetary: [1, 1] },
  { name: 'Need Attention', recency: [2, 3], frequency: [2, 3], monetary: [2, 3] },
  { name: 'About To Sleep', recency: [2, 3], frequency: [1, 2], monetary: [1, 2] },
  { name: 'At Risk', recency: [1, 2], frequency: [2, 5], monetary: [2, 5] },
  { name: "Can't Lose Them", recency: [1, 1], frequency: [4, 5], monetary: [4, 5] },
  { name: 'Lost', recency: [1, 2], frequency: [1, 2], monetary: [1, 2] },
];

export const otherSegment = 'Others';

function within(score: number, [low, high]: [number, number]): boolean {
  return score >= low && score <= high;
}

export function segmentOf(scores: RfmScores, rules: readonly RfmSegmentRule[]): string {
  const rule = rules.find(
    (candidate) =>
      within(scores.recency, candidate.recency) &&
      within(scores.frequency, candidate.frequency) &&
      within(scores.monetary, candidate.monetary),
  );
  return rule?.name ?? otherSegment;
}

export interface OrderHistory {
  memberId: string;
  orders: number;
  /** Net of refunds, in minor units of the workspace currency. */
  spend: number;
  lastOrderAt: number;
}

/**
 * Every customer scored against the thresholds of them all, as of a local day. Recency counts
 * calendar days in the workspace time zone, monetary is in currency units (`unit` minor units).
 */
export function scoreMembers(
  customers: readonly OrderHistory[],
  options: { asOfDay: number; zone: IANAZone; unit: number; rules: readonly RfmSegmentRule[] },
) {
  const activity = customers.map((customer) => ({
    memberId: customer.memberId,
    recencyDays: options.asOfDay - localDayNumber(customer.lastOrderAt, options.zone),
    orders: customer.orders,
    monetary: customer.spend / options.unit,
  }));
  const thresholds = computeThresholds(activity);
  const members = activity.map((customer) => {
    const scores = scoreCustomer(customer, thresholds);
    return { ...customer, scores, segment: segmentOf(scores, options.rules) };
  });
  return { thresholds, members };
}
