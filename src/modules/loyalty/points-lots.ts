/**
 * Points are kept in lots: each earning is one lot with its own activation and expiry time, so
 * spending can take the soonest-expiring points first and a refund can find the points its order
 * earned. A ledger's balance is the sum of its entries; the lots say which points are which.
 */
export interface PointsLot {
  /** The id of the entry that created it. */
  id: string;
  points: number;
  /** Not yet spent, expired, reserved or taken back. */
  remaining: number;
  status: 'pending' | 'active';
  earnedAt: number;
  activatesAt: number;
  expiresAt: number | null;
  orderId: string | null;
  /** Points of this lot taken back by refunds so far (cancelled while pending, clawed back after). */
  reversed: number;
}

export interface Allocation {
  lotId: string;
  points: number;
}

/** Soonest expiry first (never-expiring last), then oldest, then by id so the order is total. */
export function compareSpendOrder(a: PointsLot, b: PointsLot): number {
  const expiryA = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const expiryB = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (expiryA !== expiryB) return expiryA < expiryB ? -1 : 1;
  if (a.earnedAt !== b.earnedAt) return a.earnedAt - b.earnedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function spendableLots(lots: PointsLot[], now: number): PointsLot[] {
  return lots
    .filter((lot) => lot.status === 'active' && lot.remaining > 0 && (lot.expiresAt === null || lot.expiresAt > now))
    .sort(compareSpendOrder);
}

export function spendablePoints(lots: PointsLot[], now: number): number {
  return spendableLots(lots, now).reduce((sum, lot) => sum + lot.remaining, 0);
}

/**
 * Takes up to `points` from the lots in spend order, mutating them; returns what it took from
 * each. Preferred lots (a refunded order's own points) are taken first.
 */
export function takeFromLots(lots: PointsLot[], points: number, now: number, preferred?: string): Allocation[] {
  const ordered = spendableLots(lots, now);
  const first = ordered.findIndex((lot) => lot.id === preferred);
  if (first > 0) ordered.unshift(...ordered.splice(first, 1));
  const allocations: Allocation[] = [];
  let left = points;
  for (const lot of ordered) {
    if (left === 0) break;
    const taken = Math.min(lot.remaining, left);
    lot.remaining -= taken;
    left -= taken;
    allocations.push({ lotId: lot.id, points: taken });
  }
  return allocations;
}

export function returnToLots(lots: PointsLot[], allocations: Allocation[]): void {
  for (const allocation of allocations) {
    const lot = lots.find((candidate) => candidate.id === allocation.lotId);
    if (lot) lot.remaining += allocation.points;
  }
}

/** `points × part / whole`, rounded down, without losing precision on large amounts. */
export function proportionOf(points: number, part: number, whole: number): number {
  if (whole <= 0) return 0;
  if (part >= whole) return points;
  return Number((BigInt(points) * BigInt(Math.max(0, part))) / BigInt(whole));
}
