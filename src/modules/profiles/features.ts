/**
 * Per-member aggregates kept incrementally. Every field merges without the events (sums, minima,
 * maxima, maps), so merging two members equals recomputing from both histories.
 */
export interface FeatureState {
  firstSeenAt: number | null;
  lastSeenAt: number | null;
  eventCount: number;
  orderCount: number;
  totalSpend: number;
  refundTotal: number;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
  categories: Record<string, { spend: number; orders: number }>;
  /** Channel → first time seen. */
  channels: Record<string, number>;
}

export function emptyFeatures(): FeatureState {
  return {
    firstSeenAt: null,
    lastSeenAt: null,
    eventCount: 0,
    orderCount: 0,
    totalSpend: 0,
    refundTotal: 0,
    firstOrderAt: null,
    lastOrderAt: null,
    categories: {},
    channels: {},
  };
}

function minimum(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function maximum(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

export function observeEvent(state: FeatureState, eventTime: number, channel: string | undefined): void {
  state.firstSeenAt = minimum(state.firstSeenAt, eventTime);
  state.lastSeenAt = maximum(state.lastSeenAt, eventTime);
  state.eventCount += 1;
  if (channel) state.channels[channel] = Math.min(state.channels[channel] ?? Infinity, eventTime);
}

export function recordOrder(
  state: FeatureState,
  order: { total: number; completedAt: number; categorySpend: Record<string, number> },
): void {
  state.orderCount += 1;
  state.totalSpend += order.total;
  state.firstOrderAt = minimum(state.firstOrderAt, order.completedAt);
  state.lastOrderAt = maximum(state.lastOrderAt, order.completedAt);
  for (const [category, spend] of Object.entries(order.categorySpend)) {
    const current = state.categories[category] ?? { spend: 0, orders: 0 };
    state.categories[category] = { spend: current.spend + spend, orders: current.orders + 1 };
  }
}

export function recordRefund(state: FeatureState, amount: number): void {
  state.refundTotal += amount;
}

export function mergeFeatures(into: FeatureState, from: FeatureState): void {
  into.firstSeenAt = minimum(into.firstSeenAt, from.firstSeenAt);
  into.lastSeenAt = maximum(into.lastSeenAt, from.lastSeenAt);
  into.eventCount += from.eventCount;
  into.orderCount += from.orderCount;
  into.totalSpend += from.totalSpend;
  into.refundTotal += from.refundTotal;
  into.firstOrderAt = minimum(into.firstOrderAt, from.firstOrderAt);
  into.lastOrderAt = maximum(into.lastOrderAt, from.lastOrderAt);
  for (const [category, value] of Object.entries(from.categories)) {
    const current = into.categories[category] ?? { spend: 0, orders: 0 };
    into.categories[category] = { spend: current.spend + value.spend, orders: current.orders + value.orders };
  }
  for (const [channel, firstSeen] of Object.entries(from.channels)) {
    into.channels[channel] = Math.min(into.channels[channel] ?? Infinity, firstSeen);
  }
}

function iso(value: number | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/** The documented feature names; amounts in minor units of the workspace currency. */
export function presentFeatures(state: FeatureState) {
  const netSpend = state.totalSpend - state.refundTotal;
  return {
    firstSeenAt: iso(state.firstSeenAt),
    lastSeenAt: iso(state.lastSeenAt),
    eventCount: state.eventCount,
    orderCount: state.orderCount,
    totalSpend: state.totalSpend,
    refundTotal: state.refundTotal,
    netSpend,
    averageOrderValue: state.orderCount === 0 ? 0 : Math.round(state.totalSpend / state.orderCount),
    firstOrderAt: iso(state.firstOrderAt),
    lastOrderAt: iso(state.lastOrderAt),
    // A copy: the state's object gains categories as orders are folded, and a picture taken for an
    // event (loyalty's snapshot) must not see the orders after it. Entries are replaced, not changed.
    categories: { ...state.categories },
    channels: Object.entries(state.channels)
      .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
      .map(([channel]) => channel),
  };
}
