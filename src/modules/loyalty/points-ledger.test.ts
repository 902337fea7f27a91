import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advanceLedger,
  availablePoints,
  earnPoints,
  emptyLedger,
  reservePoints,
  reverseOrderPoints,
  settleReservation,
  spendPoints,
  type LedgerEntry,
  type LedgerState,
} from './points-ledger.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 0, 1);
const staff = { type: 'staff' as const, id: 'staff-1' };

function ids(prefix = 'e'): () => string {
  let next = 0;
  return () => `${prefix}${(next += 1)}`;
}

function totals(entries: LedgerEntry[]) {
  return entries.reduce(
    (sum, line) => ({
      available: sum.available + line.available,
      pending: sum.pending + line.pending,
      reserved: sum.reserved + line.reserved,
    }),
    { available: 0, pending: 0, reserved: 0 },
  );
}

function earn(
  state: LedgerState,
  points: number,
  at: number,
  newId: () => string,
  options: Partial<{ expiresAt: number; orderId: string; pendingDays: number }> = {},
) {
  return earnPoints(
    state,
    {
      points,
      activatesAt: at + (options.pendingDays ?? 0) * day,
      expiresAt: options.expiresAt ?? null,
      orderId: options.orderId ?? null,
      reason: 'test',
      source: { type: 'rule', id: 'r1' },
    },
    { at, newId },
  );
}

describe('spending order and expiry', () => {
  it('spends the soonest-expiring points first and expires only what is left of each lot', () => {
    const state = emptyLedger();
    const newId = ids();
    const entries = [
      ...earn(state, 100, start, newId, { expiresAt: start + 300 * day }),
      ...earn(state, 50, start + day, newId, { expiresAt: start + 30 * day }),
      ...earn(state, 70, start + 2 * day, newId),
    ];
    const spent = spendPoints(
      state,
      { points: 80, reason: 'gift', source: staff, kind: 'redeem' },
      { at: start + 3 * day, newId },
    );
    expect(spent.ok).toBe(true);
    if (spent.ok) entries.push(...spent.entries);
    // 50 expiring on day 30 go first, then 30 of the 100 expiring on day 300.
    expect(state.lots.map((lot) => lot.remaining)).toEqual([70, 0, 70]);

    entries.push(...advanceLedger(state, start + 301 * day, newId));
    expect(entries.filter((line) => line.kind === 'expire').map((line) => [line.available, line.at])).toEqual([
      [-70, start + 300 * day],
    ]);
    expect(totals(entries).available).toBe(70);
    expect(availablePoints(state, start + 301 * day)).toBe(70);
  });

  it('refuses a redemption above the balance without touching anything', () => {
    const state = emptyLedger();
    const newId = ids();
    earn(state, 40, start, newId);
    const before = structuredClone(state);
    expect(
      spendPoints(state, { points: 41, reason: 'x', source: staff, kind: 'redeem' }, { at: start, newId }),
    ).toEqual({
      ok: false,
      reason: 'insufficient_points',
      available: 40,
    });
    expect(state).toEqual(before);
  });
});

describe('return window', () => {
  it('keeps order points pending, cancels them proportionally on a refund, then activates the rest', () => {
    const state = emptyLedger();
    const newId = ids();
    const entries = earn(state, 300, start, newId, { orderId: 'o1', pendingDays: 15 });
    expect(totals(entries)).toEqual({ available: 0, pending: 300, reserved: 0 });
    // 100.00 of a 300.00 order refunded on day 5: a third of the points go.
    entries.push(
      ...reverseOrderPoints(
        state,
        { orderId: 'o1', refunded: 10_000, orderTotal: 30_000, allowNegativeBalance: false },
        { at: start + 5 * day, newId },
      ),
    );
    expect(totals(entries)).toEqual({ available: 0, pending: 200, reserved: 0 });
    entries.push(...advanceLedger(state, start + 15 * day, newId));
    expect(totals(entries)).toEqual({ available: 200, pending: 0, reserved: 0 });
    expect(entries.map((line) => [line.kind, line.at])).toEqual([
      ['earn', start],
      ['cancel', start + 5 * day],
      ['activate', start + 15 * day],
    ]);
  });

  /** 100 points earned on an order, 90 of them spent, then the whole order refunded after its window. */
  function spendThenRefundInFull(allowNegativeBalance: boolean) {
    const state = emptyLedger();
    const newId = ids();
    const entries = earn(state, 100, start, newId, { orderId: 'o1' });
    const spent = spendPoints(
      state,
      { points: 90, reason: 'x', source: staff, kind: 'redeem' },
      { at: start + day, newId },
    );
    if (spent.ok) entries.push(...spent.entries);
    const refund = { orderId: 'o1', refunded: 5_000, orderTotal: 5_000, allowNegativeBalance };
    entries.push(...reverseOrderPoints(state, refund, { at: start + 20 * day, newId }));
    return { state, newId, entries };
  }

  it('claws back after the window, records the shortfall when the balance may not go negative', () => {
    const { state, entries } = spendThenRefundInFull(false);
    expect(entries.at(-1)).toMatchObject({ kind: 'clawback', available: -10, shortfall: 90 });
    expect(totals(entries).available).toBe(0);
    expect(state.debt).toBe(0);
  });

  it('lets the balance go negative when the program allows it, and new points pay the debt first', () => {
    const { state, newId, entries } = spendThenRefundInFull(true);
    expect(totals(entries).available).toBe(-90);
    entries.push(...earn(state, 120, start + 21 * day, newId));
    expect([totals(entries).available, availablePoints(state, start + 21 * day), state.debt]).toEqual([30, 30, 0]);
  });
});

describe('checkout holds', () => {
  it('holds points, commits them once, and gives them back on release or timeout', () => {
    const state = emptyLedger();
    const newId = ids();
    const entries = earn(state, 500, start, newId);
    const hold = { reservationId: 'h1', orderId: 'o9', points: 200, expiresAt: start + 15 * 60_000 };
    const held = reservePoints(state, hold, { at: start, newId });
    if (held.ok) entries.push(...held.entries);
    expect(totals(entries)).toEqual({ available: 300, pending: 0, reserved: 200 });
    entries.push(...settleReservation(state, 'h1', 'commit', 'paid', { at: start + 60_000, newId }));
    expect(settleReservation(state, 'h1', 'commit', 'paid', { at: start + 60_000, newId })).toEqual([]);
    expect(totals(entries)).toEqual({ available: 300, pending: 0, reserved: 0 });

    const second = reservePoints(state, { ...hold, reservationId: 'h2' }, { at: start + 2 * 60_000, newId });
    if (second.ok) entries.push(...second.entries);
    entries.push(...advanceLedger(state, start + 60 * 60_000, newId));
    expect(entries.at(-1)).toMatchObject({ kind: 'release', available: 200, reserved: -200, at: hold.expiresAt });
    expect(totals(entries)).toEqual({ available: 300, pending: 0, reserved: 0 });
  });

  it('applies what falls due at one moment in a fixed order: the hold, then the lots as they are held', () => {
    const state = emptyLedger();
    const newId = ids();
    const due = start + 30 * day;
    earn(state, 100, start, newId, { expiresAt: due });
    earn(state, 50, start + 1, newId, { pendingDays: 30 });
    earn(state, 70, start + day, newId, { expiresAt: due });
    const held = reservePoints(
      state,
      { reservationId: 'h1', orderId: 'o1', points: 40, expiresAt: due },
      { at: start + 2 * day, newId },
    );
    expect(held.ok).toBe(true);
    const [first, pending, third] = state.lots.map((lot) => lot.id);
    // The pending lot activates at start + 1 + 30 days, just after the others fall due.
    const lines = advanceLedger(state, due + day, newId);
    expect(lines.map((line) => [line.kind, line.at, line.available, line.lotId])).toEqual([
      ['release', due, 40, null],
      ['expire', due, -100, first],
      ['expire', due, -70, third],
      ['activate', due + 1, 50, pending],
    ]);
    expect(availablePoints(state, due + day)).toBe(50);
  });
});

type Operation =
  | { kind: 'earn'; points: number; days: number; pendingDays: number; expiryDays: number | null; order: number }
  | { kind: 'spend'; points: number; days: number }
  | { kind: 'refund'; order: number; share: number; days: number }
  | { kind: 'reserve'; points: number; days: number }
  | { kind: 'settle'; commit: boolean; days: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('earn' as const),
    points: fc.integer({ min: 1, max: 500 }),
    days: fc.integer({ min: 0, max: 5 }),
    pendingDays: fc.constantFrom(0, 0, 7),
    expiryDays: fc.option(fc.integer({ min: 1, max: 60 })),
    order: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({
    kind: fc.constant('spend' as const),
    points: fc.integer({ min: 1, max: 600 }),
    days: fc.integer({ min: 0, max: 5 }),
  }),
  fc.record({
    kind: fc.constant('refund' as const),
    order: fc.integer({ min: 0, max: 4 }),
    share: fc.integer({ min: 1, max: 100 }),
    days: fc.integer({ min: 0, max: 5 }),
  }),
  fc.record({
    kind: fc.constant('reserve' as const),
    points: fc.integer({ min: 1, max: 300 }),
    days: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ kind: fc.constant('settle' as const), commit: fc.boolean(), days: fc.integer({ min: 0, max: 2 }) }),
);

describe('any sequence of operations', () => {
  it('keeps the balance equal to the sum of entries, and never spends points it does not have', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), fc.boolean(), (operations, allowNegativeBalance) => {
        const state = emptyLedger();
        const newId = ids();
        const entries: LedgerEntry[] = [];
        const refunded = new Map<number, number>();
        let now = start;
        let holds = 0;
        for (const step of operations) {
          now += step.days * day;
          entries.push(...advanceLedger(state, now, newId));
          const context = { at: now, newId };
          if (step.kind === 'earn') {
            entries.push(
              ...earn(state, step.points, now, newId, {
                orderId: `o${step.order}`,
                pendingDays: step.pendingDays,
                ...(step.expiryDays === null ? {} : { expiresAt: now + step.expiryDays * day }),
              }),
            );
          } else if (step.kind === 'spend') {
            const before = availablePoints(state, now);
            const result = spendPoints(
              state,
              { points: step.points, reason: 'x', source: staff, kind: 'redeem' },
              context,
            );
            expect(result.ok).toBe(step.points <= before);
            if (result.ok) entries.push(...result.entries);
          } else if (step.kind === 'refund') {
            const total = Math.min(100, (refunded.get(step.order) ?? 0) + step.share);
            refunded.set(step.order, total);
            entries.push(
              ...reverseOrderPoints(
                state,
                { orderId: `o${step.order}`, refunded: total, orderTotal: 100, allowNegativeBalance },
                context,
              ),
            );
          } else if (step.kind === 'reserve') {
            holds += 1;
            const result = reservePoints(
              state,
              { reservationId: `h${holds}`, orderId: `c${holds}`, points: step.points, expiresAt: now + day },
              context,
            );
            if (result.ok) entries.push(...result.entries);
          } else if (state.reservations[0]) {
            entries.push(
              ...settleReservation(state, state.reservations[0].id, step.commit ? 'commit' : 'release', 'x', context),
            );
          }
          entries.push(...advanceLedger(state, now, newId));
          const sums = totals(entries);
          expect(sums.available).toBe(availablePoints(state, now));
          expect(sums.pending).toBe(
            state.lots.filter((lot) => lot.status === 'pending').reduce((sum, lot) => sum + lot.remaining, 0),
          );
          expect(sums.reserved).toBe(state.reservations.reduce((sum, hold) => sum + hold.points, 0));
          if (!allowNegativeBalance) expect(sums.available).toBeGreaterThanOrEqual(0);
          expect(state.lots.every((lot) => lot.remaining >= 0)).toBe(true);
        }
        expect(new Set(entries.map((line) => line.id)).size).toBe(entries.length);
      }),
      { numRuns: 300 },
    );
  });
});
