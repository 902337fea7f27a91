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

function isSpendable(lot: PointsLot, now: number): boolean {
  return lot.status === 'active' && lot.remaining > 0 && (lot.expiresAt === null || lot.expiresAt > now);
}

/** A balance check runs before every redemption: it only sums, a member may hold thousands of lots. */
export function spendablePoints(lots: PointsLot[], now: number): number {
  let sum = 0;
  for (const lot of lots) if (isSpendable(lot, now)) sum += lot.remaining;
  return sum;
}

/** The spendable lot spent first; undefined once every spendable lot is spent. */
function soonestSpendable(lots: PointsLot[], now: number): PointsLot | undefined {
  let soonest: PointsLot | undefined;
  for (const lot of lots) {
    if (isSpendable(lot, now) && (!soonest || compareSpendOrder(lot, soonest) < 0)) soonest = lot;
  }
  return soonest;
}

/**
 * Takes up to `points` from the lots in spend order, mutating them; returns what it took from
 * each. Preferred lots (a refunded order's own points) are taken first. Most spends are covered
 * by a lot or two, so those are picked one by one; only a spend across many lots sorts them all.
 */
export function takeFromLots(lots: PointsLot[], points: number, now: number, preferred?: string): Allocation[] {
  const allocations: Allocation[] = [];
  let left = points;
  const take = (lot: PointsLot) => {
    const taken = Math.min(lot.remaining, left);
    lot.remaining -= taken;
    left -= taken;
    allocations.push({ lotId: lot.id, points: taken });
  };
  // A member may hold thousands of lots: the picks scan them in place rather than copy them.
  const first = preferred === undefined ? undefined : lots.find((lot) => lot.id === preferred && isSpendable(lot, now));
  if (first) take(first);
  for (let picks = 0; left > 0 && picks < 4; picks += 1) {
    const lot = soonestSpendable(lots, now);
    if (!lot) return allocations;
    take(lot);
  }
  if (left === 0) return allocations;
  for (const lot of lots.filter((candidate) => isSpendable(candidate, now)).sort(compareSpendOrder)) {
    if (left === 0) break;
    take(lot);
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
