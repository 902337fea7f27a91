/**
 * The 80/20 view: how much of the revenue the best customers bring. Customers are ranked by
 * spend; the top and the tail are each a fifth of them (rounded), the middle the rest.
 */
export interface ParetoBand {
  customers: number;
  revenue: number;
  /** Of all revenue, 0–1. */
  share: number;
}

export interface ParetoView {
  customers: number;
  revenue: number;
  top20: ParetoBand;
  middle60: ParetoBand;
  tail20: ParetoBand;
  /** Cumulative revenue share of the best customers, every 5% of customers. */
  curve: Array<{ customerShare: number; revenueShare: number }>;
}

const curveSteps = 20;

export function computePareto(spends: readonly number[]): ParetoView {
  const ranked = [...spends].sort((a, b) => b - a);
  const count = ranked.length;
  const cumulative: number[] = [0];
  for (const spend of ranked) cumulative.push((cumulative[cumulative.length - 1] as number) + spend);
  const revenue = cumulative[count] as number;
  const share = (amount: number) => (revenue === 0 ? 0 : amount / revenue);
  const band = (start: number, end: number): ParetoBand => {
    const amount = (cumulative[end] as number) - (cumulative[start] as number);
    return { customers: end - start, revenue: amount, share: share(amount) };
  };
  const fifth = Math.round(count / 5);
  return {
    customers: count,
    revenue,
    top20: band(0, fifth),
    middle60: band(fifth, count - fifth),
    tail20: band(count - fifth, count),
    curve: Array.from({ length: curveSteps + 1 }, (_, step) => {
      const customers = Math.round((count * step) / curveSteps);
      return { customerShare: step / curveSteps, revenueShare: share(cumulative[customers] as number) };
    }),
  };
}
