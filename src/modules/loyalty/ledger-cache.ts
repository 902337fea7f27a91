import type { MemberPoints } from './loyalty-fold.ts';
import type { Reservation } from './points-ledger.ts';
import type { PointsLot } from './points-lots.ts';

interface CachedLedger {
  revision: number;
  lots: PointsLot[];
  reservations: Reservation[];
}

/**
 * The open lots and holds of recently active members, as last saved by this process. A member
 * with years of small earnings holds thousands of open lots; reading them all for every batch
 * made one busy member cost more than a thousand quiet ones. An entry is used only while the
 * account's revision in the database still matches, so a write by another process is never missed.
 * Entries are handed over, not copied: a batch takes an entry out and puts its saved state back, so
 * a batch that fails and rolls back leaves nothing behind to be mistaken for the saved state.
 */
export interface LedgerCache {
  take(memberId: string, revision: number): { lots: PointsLot[]; reservations: Reservation[] } | undefined;
  remember(member: MemberPoints): void;
}

export function createLedgerCache(capacity = 10_000): LedgerCache {
  const entries = new Map<string, CachedLedger>();
  return {
    take(memberId, revision) {
      const entry = entries.get(memberId);
      entries.delete(memberId);
      if (!entry || entry.revision !== revision) return undefined;
      return { lots: entry.lots, reservations: entry.reservations };
    },
    remember(member) {
      entries.delete(member.memberId);
      if (entries.size >= capacity) entries.delete(entries.keys().next().value as string);
      entries.set(member.memberId, {
        revision: member.revision,
        lots: member.ledger.lots.filter((lot) => lot.remaining > 0 || lot.status === 'pending'),
        reservations: member.ledger.reservations,
      });
    },
  };
}
