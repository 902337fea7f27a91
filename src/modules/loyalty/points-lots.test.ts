import { describe, expect, it } from 'vitest';
import { spendablePoints, takeFromLots, type PointsLot } from './points-lots.ts';

const now = Date.UTC(2026, 4, 1);

function lot(id: string, remaining: number, expiresAt: number | null, fields: Partial<PointsLot> = {}): PointsLot {
  return {
    id,
    points: remaining,
    remaining,
    status: 'active',
    earnedAt: now - 1000,
    activatesAt: now - 1000,
    expiresAt,
    orderId: null,
    reversed: 0,
    ...fields,
  };
}

describe('takeFromLots', () => {
  it('spends soonest-expiring first, never-expiring last, across more lots than it picks one by one', () => {
    const lots = [
      lot('never', 5, null),
      ...Array.from({ length: 7 }, (_, index) => lot(`l${index}`, 2, now + (7 - index) * 1000)),
      lot('expired', 50, now - 1),
      lot('pending', 50, now + 10, { status: 'pending' }),
    ];
    expect(spendablePoints(lots, now)).toBe(19);
    expect(takeFromLots(lots, 16, now)).toEqual([
      { lotId: 'l6', points: 2 },
      { lotId: 'l5', points: 2 },
      { lotId: 'l4', points: 2 },
      { lotId: 'l3', points: 2 },
      { lotId: 'l2', points: 2 },
      { lotId: 'l1', points: 2 },
      { lotId: 'l0', points: 2 },
      { lotId: 'never', points: 2 },
    ]);
    expect(spendablePoints(lots, now)).toBe(3);
  });

  it('takes the preferred lot first, and no more than there is', () => {
    const lots = [lot('a', 3, now + 1000), lot('b', 4, now + 2000)];
    expect(takeFromLots(lots, 10, now, 'b')).toEqual([
      { lotId: 'b', points: 4 },
      { lotId: 'a', points: 3 },
    ]);
    expect(lots.map((held) => held.remaining)).toEqual([0, 0]);
  });
});
