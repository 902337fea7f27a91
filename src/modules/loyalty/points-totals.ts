import type { LedgerEntry } from './points-ledger.ts';

/** A member's balances: sums of their ledger entries, kept with the account. */
export interface PointsTotals {
  available: number;
  pending: number;
  reserved: number;
  shortfall: number;
  lifetimeEarned: number;
  lifetimeRedeemed: number;
  lifetimeExpired: number;
}

export function emptyTotals(): PointsTotals {
  return {
    available: 0,
    pending: 0,
    reserved: 0,
    shortfall: 0,
    lifetimeEarned: 0,
    lifetimeRedeemed: 0,
    lifetimeExpired: 0,
  };
}

/** Balances are sums of entries; lifetime figures count what each kind of entry means. */
export function addToTotals(totals: PointsTotals, line: LedgerEntry): void {
  totals.available += line.available;
  totals.pending += line.pending;
  totals.reserved += line.reserved;
  totals.shortfall += line.shortfall;
  if (line.kind === 'earn' || (line.kind === 'adjust' && line.available > 0)) {
    totals.lifetimeEarned += line.available + line.pending;
  }
  if (line.kind === 'redeem') totals.lifetimeRedeemed -= line.available;
  if (line.kind === 'commit') totals.lifetimeRedeemed -= line.reserved;
  if (line.kind === 'expire') totals.lifetimeExpired -= line.available;
}

export function balanceOf(totals: PointsTotals): Omit<PointsTotals, 'shortfall'> {
  return {
    available: totals.available,
    pending: totals.pending,
    reserved: totals.reserved,
    lifetimeEarned: totals.lifetimeEarned,
    lifetimeRedeemed: totals.lifetimeRedeemed,
    lifetimeExpired: totals.lifetimeExpired,
  };
}
