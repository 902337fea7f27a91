import { describe, expect, it } from 'vitest';
import { pointsTotalCeiling } from '../../platform/amounts.ts';
import { applyPointsOperation } from './points-operation-rules.ts';
import { emptyLedger } from './points-ledger.ts';
import type { PointsOperation } from './points-operations.ts';
import { earningWithinCeiling, emptyTotals, pointsHeadroom, type PointsTotals } from './points-totals.ts';

const at = Date.UTC(2026, 0, 1);

function decide(totals: PointsTotals, request: PointsOperation) {
  const ledger = emptyLedger();
  let next = 0;
  const outcome = applyPointsOperation(
    ledger,
    { operation: 'points', memberId: 'mbr_1', request, fingerprint: 'f' },
    { program: null, totals, timeZone: 'UTC', at, newId: () => `e${(next += 1)}` },
  );
  return { outcome, ledger };
}

describe('the points ceiling', () => {
  it('refuses an adjustment that would take lifetime earned points above it, and leaves the ledger as it was', () => {
    const totals = { ...emptyTotals(), lifetimeEarned: pointsTotalCeiling - 5 };
    const { outcome, ledger } = decide(totals, { action: 'adjust', points: 6, reason: 'goodwill' });
    const rule = `would take lifetimeEarned above ${pointsTotalCeiling} points`;
    expect(outcome).toStrictEqual({
      ok: false,
      status: 422,
      error: 'total_over_ceiling',
      message: `points ${rule}`,
      issues: [{ path: 'body.points', message: rule }],
    });
    expect(ledger).toStrictEqual(emptyLedger());
  });

  it('grants up to the ceiling exactly', () => {
    const totals = { ...emptyTotals(), lifetimeEarned: pointsTotalCeiling - 5 };
    const { outcome } = decide(totals, { action: 'adjust', points: 5, reason: 'goodwill' });
    expect(outcome.ok && outcome.entries.map((entry) => [entry.kind, entry.available])).toEqual([['adjust', 5]]);
  });

  it('names the balance when held points would pass it', () => {
    const totals = { ...emptyTotals(), available: pointsTotalCeiling - 2, reserved: 1, lifetimeEarned: 0 };
    const { outcome } = decide(totals, { action: 'adjust', points: 2, reason: 'goodwill' });
    expect(!outcome.ok && outcome.issues).toStrictEqual([
      { path: 'body.points', message: `would take available above ${pointsTotalCeiling} points` },
    ]);
  });

  it('leaves as headroom what neither the held points nor the lifetime count has used', () => {
    expect(pointsHeadroom(emptyTotals())).toBe(pointsTotalCeiling);
    expect(pointsHeadroom({ ...emptyTotals(), available: 10, pending: 5, lifetimeEarned: 12 })).toBe(
      pointsTotalCeiling - 15,
    );
    expect(pointsHeadroom({ ...emptyTotals(), available: -50, lifetimeEarned: 30 })).toBe(pointsTotalCeiling - 30);
    expect(pointsHeadroom({ ...emptyTotals(), lifetimeEarned: pointsTotalCeiling })).toBe(0);
  });

  it('grants an earning up to the ceiling, and says so in its reason', () => {
    const totals = { ...emptyTotals(), available: 40, lifetimeEarned: pointsTotalCeiling - 30 };
    expect(earningWithinCeiling(totals, 20, 'Orders')).toStrictEqual({ points: 20, reason: 'Orders' });
    expect(earningWithinCeiling(totals, 31, 'Orders')).toStrictEqual({
      points: 30,
      reason: 'Orders (limited by the points ceiling)',
    });
  });
});
