import { eventCurrency, productLinesOf, propertiesOf, readDecimal, toMinorUnits } from './event-money.ts';

export { currencyDigits, toMinorUnits } from './event-money.ts';
/** Orders per Segment's e-commerce spec v2; amounts become integer minor units. */
export interface OrderState {
  orderId: string;
  memberId: string;
  completed: boolean;
  total: number;
  currency: string;
  refunded: number;
  /** A refund naming no amount came before the order: the whole order is refunded once known. */
  refundedInFull?: boolean;
  completedAt: number | null;
  eventId: string;
}

export interface ParsedOrderEvent {
  kind: 'completed' | 'refunded';
  orderId: string;
  /** Minor units; null when a refund names no amount (a full refund of what is left). */
  amount: number | null;
  currency: string;
  categorySpend: Record<string, number>;
}

export type OrderEffect =
  | { kind: 'order'; memberId: string; total: number; completedAt: number; categorySpend: Record<string, number> }
  | { kind: 'refund'; memberId: string; amount: number };

/** The order an event names: `order_id` (Segment's spec), or `orderId` as some clients send it. */
export function orderIdOf(properties: Record<string, unknown>): string | undefined {
  const orderId = properties.order_id ?? properties.orderId;
  if (typeof orderId === 'string') return orderId.trim() === '' ? undefined : orderId;
  return typeof orderId === 'number' && Number.isFinite(orderId) ? String(orderId) : undefined;
}

export function orderKindOf(eventName: string | null): ParsedOrderEvent['kind'] | undefined {
  return eventName === 'Order Completed' ? 'completed' : eventName === 'Order Refunded' ? 'refunded' : undefined;
}

/**
 * Reads `Order Completed` / `Order Refunded`; other events, or orders without an id, are not orders.
 * The event's numbers are read as the quality checks read them, and an event they refuse never
 * reaches a stage that calls this.
 */
export function parseOrderEvent(
  eventName: string | null,
  payload: Record<string, unknown>,
  workspaceCurrency: string,
): ParsedOrderEvent | undefined {
  const kind = orderKindOf(eventName);
  if (!kind) return undefined;
  const properties = propertiesOf(payload);
  const orderId = orderIdOf(properties);
  if (orderId === undefined) return undefined;
  const currency = eventCurrency(properties, workspaceCurrency);
  const lines = productLinesOf(properties, currency);
  const stated = readDecimal(properties.total) ?? readDecimal(properties.revenue);
  const fromLines = lines.length > 0 ? lines.reduce((sum, line) => sum + line.amount, 0) : null;
  const amount = stated !== undefined ? toMinorUnits(stated, currency) : fromLines;
  const categorySpend: Record<string, number> = {};
  for (const line of lines) {
    if (line.category) categorySpend[line.category] = (categorySpend[line.category] ?? 0) + line.amount;
  }
  return { kind, orderId, amount: kind === 'completed' ? (amount ?? 0) : amount, currency, categorySpend };
}

/**
 * One order event against what is known of the order. A repeated `Order Completed` changes
 * nothing; a refund is capped at what is left to refund; a refund of an order not seen yet is kept
 * (and counted) so that the order, when it arrives, is not counted as unrefunded.
 */
export function applyOrderEvent(
  existing: OrderState | undefined,
  parsed: ParsedOrderEvent,
  context: { memberId: string; eventId: string; eventTime: number; workspaceCurrency: string },
): { order: OrderState; effects: OrderEffect[] } {
  const countsInSpend = parsed.currency === context.workspaceCurrency;
  if (parsed.kind === 'completed') {
    if (existing?.completed) return { order: existing, effects: [] };
    const total = parsed.amount ?? 0;
    // Refunds that came first could not be sized against the total then; now they are: capped at
    // the total, and a refund of "all of it" becomes the total.
    const before = existing?.refunded ?? 0;
    const refunded = existing?.refundedInFull ? total : Math.min(before, total);
    const order: OrderState = {
      orderId: parsed.orderId,
      memberId: context.memberId,
      completed: true,
      total,
      currency: parsed.currency,
      refunded,
      completedAt: context.eventTime,
      eventId: context.eventId,
    };
    const effects: OrderEffect[] = countsInSpend
      ? [
          {
            kind: 'order',
            memberId: context.memberId,
            total: order.total,
            completedAt: context.eventTime,
            categorySpend: parsed.categorySpend,
          },
        ]
      : [];
    if (existing && refunded !== before && existing.currency === context.workspaceCurrency) {
      effects.push({ kind: 'refund', memberId: existing.memberId, amount: refunded - before });
    }
    return { order, effects };
  }
  if (existing?.completed) {
    const left = Math.max(0, existing.total - existing.refunded);
    const amount = Math.min(left, parsed.amount ?? left);
    const order = { ...existing, refunded: existing.refunded + amount };
    const counts = amount > 0 && existing.currency === context.workspaceCurrency;
    return { order, effects: counts ? [{ kind: 'refund', memberId: existing.memberId, amount }] : [] };
  }
  const amount = parsed.amount ?? 0;
  const inFull = parsed.amount === null || Boolean(existing?.refundedInFull);
  const order: OrderState = existing
    ? { ...existing, refunded: existing.refunded + amount, ...(inFull ? { refundedInFull: true } : {}) }
    : {
        orderId: parsed.orderId,
        memberId: context.memberId,
        completed: false,
        total: 0,
        currency: parsed.currency,
        refunded: amount,
        ...(inFull ? { refundedInFull: true } : {}),
        completedAt: null,
        eventId: context.eventId,
      };
  const counts = amount > 0 && countsInSpend;
  return { order, effects: counts ? [{ kind: 'refund', memberId: context.memberId, amount }] : [] };
}
