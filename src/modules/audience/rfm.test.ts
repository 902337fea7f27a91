import { describe, expect, it } from 'vitest';
import { computePareto } from './pareto.ts';
import {
  computeThresholds,
  defaultRfmSegments,
  quantileType7,
  scoreBounds,
  scoreCustomer,
  segmentOf,
  type CustomerActivity,
} from './rfm.ts';

describe('quantileType7', () => {
  it("matches R's quantile(x, p, type = 7)", () => {
    const sorted = [1, 2, 3, 4, 10];
    // quantile(c(1, 2, 3, 4, 10), c(0, 0.2, 0.5, 0.9, 1)) → 1.0 1.8 3.0 7.6 10.0
    expect([0, 0.2, 0.5, 0.9, 1].map((p) => quantileType7(sorted, p))).toEqual([
      1,
      1.8,
      3,
      expect.closeTo(7.6, 12),
      10,
    ]);
    expect(quantileType7([5], 0.4)).toBe(5);
    expect(quantileType7([], 0.4)).toBeNaN();
    // Equal neighbours are taken as they are, not interpolated.
    expect(quantileType7([2, 2, 2, 9], 0.5)).toBe(2);
  });
});

describe('scoreBounds', () => {
  it('adds 1 to each interior break and closes the last bin at the maximum plus 1', () => {
    expect(scoreBounds([10, 1, 7, 3, 5])).toEqual({
      lower: [1, expect.closeTo(3.6, 12), expect.closeTo(5.2, 12), expect.closeTo(6.8, 12), expect.closeTo(8.6, 12)],
      upper: [expect.closeTo(3.6, 12), expect.closeTo(5.2, 12), expect.closeTo(6.8, 12), expect.closeTo(8.6, 12), 11],
    });
  });
});

describe('scoreCustomer and segmentOf', () => {
  const customers: CustomerActivity[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((value) => ({
    memberId: `m${value}`,
    recencyDays: value * 10,
    orders: value,
    monetary: value * 100,
  }));
  const thresholds = computeThresholds(customers);

  it('scores recency in reverse and frequency and monetary upward, over [lower, upper) bins', () => {
    const scored = customers.map((customer) => scoreCustomer(customer, thresholds));
    expect(scored.map((scores) => scores.recency)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    // R's "+1" on the breaks moves small counts down a bin: 3 orders is under 2.8 + 1.
    expect(scored.map((scores) => scores.frequency)).toEqual([1, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    expect(scored.map((scores) => scores.monetary)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('names the first matching segment, and Others when none matches', () => {
    expect(segmentOf({ recency: 5, frequency: 5, monetary: 5 }, defaultRfmSegments)).toBe('Champions');
    expect(segmentOf({ recency: 3, frequency: 4, monetary: 3 }, defaultRfmSegments)).toBe('Loyal Customers');
    expect(segmentOf({ recency: 4, frequency: 1, monetary: 1 }, defaultRfmSegments)).toBe('Potential Loyalist');
    expect(segmentOf({ recency: 1, frequency: 5, monetary: 5 }, defaultRfmSegments)).toBe('At Risk');
    expect(segmentOf({ recency: 1, frequency: 1, monetary: 1 }, defaultRfmSegments)).toBe('Lost');
    expect(segmentOf({ recency: 5, frequency: 1, monetary: 5 }, defaultRfmSegments)).toBe('Others');
  });
});

describe('computePareto', () => {
  it('splits customers into the top fifth, the middle and the tail by spend', () => {
    const view = computePareto([100, 5, 50, 0, 20, 10, 5, 5, 3, 2]);
    expect(view.top20).toEqual({ customers: 2, revenue: 150, share: 0.75 });
    expect(view.middle60).toEqual({ customers: 6, revenue: 48, share: 0.24 });
    expect(view.tail20).toEqual({ customers: 2, revenue: 2, share: 0.01 });
    expect(view.curve[4]).toEqual({ customerShare: 0.2, revenueShare: 0.75 });
  });

  it('answers zeros for no customers', () => {
    const view = computePareto([]);
    expect([view.customers, view.revenue, view.top20.share, view.curve[20]?.revenueShare]).toEqual([0, 0, 0, 0]);
  });
});
