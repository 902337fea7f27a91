import {
  proportionOf,
  returnToLots,
  spendablePoints,
  takeFromLots,
  type Allocation,
  type PointsLot,
} from './points-lots.ts';

export type EntryKind =
  'earn' | 'activate' | 'cancel' | 'clawback' | 'expire' | 'adjust' | 'redeem' | 'reserve' | 'release' | 'commit';

export interface EntrySource {
  /** `benefit`: granted by another module (a product code, a badge), named by `id`. */
  type: 'rule' | 'order' | 'staff' | 'store' | 'checkout' | 'program' | 'benefit';
  id: string | null;
}

/** One append-only ledger line; balances are the sums of these deltas. */
export interface LedgerEntry {
  id: string;
  kind: EntryKind;
  /** Change to the spendable balance. */
  available: number;
  /** Change to points waiting for their order's return window. */
  pending: number;
  /** Change to points held for a checkout. */
  reserved: number;
  at: number;
  reason: string;
  source: EntrySource;
  orderId: string | null;
  lotId: string | null;
  reservationId: string | null;
  /** Points a clawback could not recover (the program forbids a negative balance). */
  shortfall: number;
}

export interface Reservation {
  id: string;
  orderId: string;
  points: number;
  expiresAt: number;
  allocations: Allocation[];
}

export interface LedgerState {
  /** Open lots, and any closed ones an operation needs (a refunded order's). */
  lots: PointsLot[];
  reservations: Reservation[];
  /** Points owed after a clawback, on a program that allows a negative balance. */
  debt: number;
}

export interface OperationContext {
  at: number;
  /** Entry ids come from the caller so that replaying the log gives the same ids. */
  newId(): string;
}

export type LedgerResult =
  { ok: true; entries: LedgerEntry[] } | { ok: false; reason: 'insufficient_points'; available: number };

export function emptyLedger(): LedgerState {
  return { lots: [], reservations: [], debt: 0 };
}

/** Spendable now: active, unexpired, unreserved points, less any debt. */
export function availablePoints(state: LedgerState, now: number): number {
  return spendablePoints(state.lots, now) - state.debt;
}

function entry(
  context: OperationContext,
  fields: Pick<LedgerEntry, 'kind' | 'reason' | 'source'> & Partial<LedgerEntry>,
): LedgerEntry {
  return {
    id: context.newId(),
    available: 0,
    pending: 0,
    reserved: 0,
    at: context.at,
    orderId: null,
    lotId: null,
    reservationId: null,
    shortfall: 0,
    ...fields,
  };
}

/** New active points pay off a debt first; the balance (sum of entries) already counts it. */
function settleDebt(state: LedgerState, lot: PointsLot): void {
  const settled = Math.min(state.debt, lot.remaining);
  lot.remaining -= settled;
  state.debt -= settled;
}

export interface EarnInput {
  points: number;
  activatesAt: number;
  expiresAt: number | null;
  orderId: string | null;
  reason: string;
  source: EntrySource;
  kind?: 'earn' | 'adjust';
}

export function earnPoints(state: LedgerState, input: EarnInput, context: OperationContext): LedgerEntry[] {
  if (input.points <= 0) return [];
  const pending = input.activatesAt > context.at;
  const id = context.newId();
  const lot: PointsLot = {
    id,
    points: input.points,
    remaining: input.points,
    status: pending ? 'pending' : 'active',
    earnedAt: context.at,
    activatesAt: pending ? input.activatesAt : context.at,
    expiresAt: input.expiresAt,
    orderId: input.orderId,
    reversed: 0,
  };
  state.lots.push(lot);
  if (!pending) settleDebt(state, lot);
  return [
    {
      ...entry(context, { kind: input.kind ?? 'earn', reason: input.reason, source: input.source }),
      id,
      available: pending ? 0 : input.points,
      pending: pending ? input.points : 0,
      orderId: input.orderId,
      lotId: id,
    },
  ];
}

export interface SpendInput {
  points: number;
  reason: string;
  source: EntrySource;
  kind: 'redeem' | 'adjust';
}

/**
 * A direct redemption or a staff deduction: all of it or nothing. `available` is the caller's sum
 * when it already made one (a redemption rule checks it): a member may hold thousands of lots.
 */
export function spendPoints(
  state: LedgerState,
  input: SpendInput,
  context: OperationContext,
  available = availablePoints(state, context.at),
): LedgerResult {
  if (input.points <= 0 || input.points > available) return { ok: false, reason: 'insufficient_points', available };
  takeFromLots(state.lots, input.points, context.at);
  return {
    ok: true,
    entries: [
      entry(context, { kind: input.kind, reason: input.reason, source: input.source, available: -input.points }),
    ],
  };
}

export interface ReserveInput {
  reservationId: string;
  orderId: string;
  points: number;
  expiresAt: number;
}

/** Holds points for a checkout; `available` as for `spendPoints`. */
export function reservePoints(
  state: LedgerState,
  input: ReserveInput,
  context: OperationContext,
  available = availablePoints(state, context.at),
): LedgerResult {
  if (input.points <= 0 || input.points > available) return { ok: false, reason: 'insufficient_points', available };
  const allocations = takeFromLots(state.lots, input.points, context.at);
  state.reservations.push({
    id: input.reservationId,
    orderId: input.orderId,
    points: input.points,
    expiresAt: input.expiresAt,
    allocations,
  });
  return {
    ok: true,
    entries: [
      entry(context, {
        kind: 'reserve',
        reason: `held for order ${input.orderId}`,
        source: { type: 'checkout', id: input.orderId },
        available: -input.points,
        reserved: input.points,
        orderId: input.orderId,
        reservationId: input.reservationId,
      }),
    ],
  };
}

/** Ends a hold: `commit` spends the points, `release` gives them back (and a timeout releases). */
export function settleReservation(
  state: LedgerState,
  reservationId: string,
  outcome: 'commit' | 'release',
  reason: string,
  context: OperationContext,
): LedgerEntry[] {
  const index = state.reservations.findIndex((reservation) => reservation.id === reservationId);
  const reservation = state.reservations[index];
  if (!reservation) return [];
  state.reservations.splice(index, 1);
  const fields = {
    reason,
    source: { type: 'checkout' as const, id: reservation.orderId },
    reserved: -reservation.points,
    orderId: reservation.orderId,
    reservationId,
  };
  if (outcome === 'commit') return [entry(context, { kind: 'commit', ...fields })];
  returnToLots(state.lots, reservation.allocations);
  return [entry(context, { kind: 'release', ...fields, available: reservation.points })];
}

export interface RefundInput {
  orderId: string;
  /** Refunded so far, in total, and the order's total: points are taken back in that proportion. */
  refunded: number;
  orderTotal: number;
  allowNegativeBalance: boolean;
}

/**
 * A refund takes back the share of points its order earned: from the pending lot while the
 * return window is open, else from the balance (the order's own lot first). What cannot be
 * recovered becomes a debt when the program allows a negative balance, else a recorded shortfall.
 */
export function reverseOrderPoints(state: LedgerState, input: RefundInput, context: OperationContext): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (const lot of state.lots.filter((candidate) => candidate.orderId === input.orderId)) {
    const target = proportionOf(lot.points, input.refunded, input.orderTotal);
    const due = target - lot.reversed;
    if (due <= 0) continue;
    lot.reversed = target;
    const fields = {
      reason: `refund of order ${input.orderId}`,
      source: { type: 'order' as const, id: input.orderId },
    };
    if (lot.status === 'pending') {
      const cancelled = Math.min(due, lot.remaining);
      lot.remaining -= cancelled;
      entries.push(
        entry(context, { kind: 'cancel', ...fields, pending: -cancelled, orderId: input.orderId, lotId: lot.id }),
      );
      continue;
    }
    const recovered = takeFromLots(state.lots, due, context.at, lot.id).reduce((sum, taken) => sum + taken.points, 0);
    const missing = due - recovered;
    if (input.allowNegativeBalance) state.debt += missing;
    entries.push(
      entry(context, {
        kind: 'clawback',
        ...fields,
        available: input.allowNegativeBalance ? -due : -recovered,
        shortfall: input.allowNegativeBalance ? 0 : missing,
        orderId: input.orderId,
        lotId: lot.id,
      }),
    );
  }
  return entries;
}

type DueWork =
  | { at: number; kind: 'activate'; lot: PointsLot }
  | { at: number; kind: 'expire'; lot: PointsLot }
  | { at: number; kind: 'release'; reservation: Reservation };

/**
 * The soonest work due by `until`; on a tie, holds first, then lots in their order. It runs for
 * every event of a member and visits each open lot, so it keeps the soonest as plain values and
 * describes only that one: an object per lot made a member with thousands of lots cost garbage.
 */
function nextDue(state: LedgerState, until: number): DueWork | undefined {
  let soonestAt = Number.POSITIVE_INFINITY;
  let hold: Reservation | undefined;
  let lotDue: PointsLot | undefined;
  for (const reservation of state.reservations) {
    if (reservation.expiresAt <= until && (hold === undefined || reservation.expiresAt < soonestAt)) {
      soonestAt = reservation.expiresAt;
      hold = reservation;
    }
  }
  const found = hold !== undefined;
  for (const lot of state.lots) {
    let at: number;
    if (lot.status === 'pending') at = lot.activatesAt;
    else if (lot.expiresAt !== null && lot.remaining > 0) at = Math.max(lot.expiresAt, lot.activatesAt);
    else continue;
    if (at <= until && ((!found && lotDue === undefined) || at < soonestAt)) {
      soonestAt = at;
      lotDue = lot;
    }
  }
  if (lotDue) {
    return { at: soonestAt, kind: lotDue.status === 'pending' ? 'activate' : 'expire', lot: lotDue };
  }
  return hold ? { at: soonestAt, kind: 'release', reservation: hold } : undefined;
}

/** When time alone next changes the ledger (a window closes, a hold times out, points expire). */
export function nextLedgerChange(state: LedgerState): number | null {
  return nextDue(state, Number.POSITIVE_INFINITY)?.at ?? null;
}

/**
 * Applies what time alone does, up to `until`, in time order: return windows close (pending →
 * active), holds time out, points expire. Each entry carries the moment it became due, so the
 * ledger does not depend on when the processor happened to look.
 */
export function advanceLedger(state: LedgerState, until: number, newId: () => string): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (let work = nextDue(state, until); work; work = nextDue(state, until)) {
    // Points a timed-out hold gives back to an already expired lot expire at once, not in the past.
    last = Math.max(last, work.at);
    const context = { at: last, newId };
    if (work.kind === 'release') {
      entries.push(...settleReservation(state, work.reservation.id, 'release', 'hold timed out', context));
    } else if (work.kind === 'activate') {
      const lot = work.lot;
      lot.status = 'active';
      const activated = lot.remaining;
      settleDebt(state, lot);
      entries.push(
        entry(context, {
          kind: 'activate',
          reason: lot.orderId ? `return window of order ${lot.orderId} closed` : 'pending points activated',
          source: { type: 'order', id: lot.orderId },
          available: activated,
          pending: -activated,
          orderId: lot.orderId,
          lotId: lot.id,
        }),
      );
    } else {
      const expired = work.lot.remaining;
      work.lot.remaining = 0;
      entries.push(
        entry(context, {
          kind: 'expire',
          reason: 'points expired',
          source: { type: 'program', id: null },
          available: -expired,
          lotId: work.lot.id,
        }),
      );
    }
  }
  return entries;
}
