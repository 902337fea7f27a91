import { pointsTotalCeiling } from '../../platform/amounts.ts';
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

/** Points held in any form: every one of them was earned, so the sum bounds each balance. */
function heldPoints(totals: PointsTotals): number {
  return Math.max(0, totals.available) + Math.max(0, totals.pending) + Math.max(0, totals.reserved);
}

/**
 * The balance or lifetime counter that gaining these points would take above the ceiling, or
 * null when all stay within it. Spending, holding and expiring only move points already earned,
 * so a gain is the one change that can cross it.
 */
export function gainOverCeiling(totals: PointsTotals, points: number): 'available' | 'lifetimeEarned' | null {
  if (totals.lifetimeEarned + points > pointsTotalCeiling) return 'lifetimeEarned';
  if (heldPoints(totals) + points > pointsTotalCeiling) return 'available';
  return null;
}

/** The most points a member may still gain: earnings beyond it are not granted. */
export function pointsHeadroom(totals: PointsTotals): number {
  return Math.max(0, pointsTotalCeiling - Math.max(totals.lifetimeEarned, heldPoints(totals)));
}

/**
 * An earning a tracked event or another stage decided: facts, not requests to refuse, so what
 * would pass the ceiling is not granted, and the entry's reason says so.
 */
export function earningWithinCeiling(totals: PointsTotals, points: number, reason: string) {
  const granted = Math.min(points, pointsHeadroom(totals));
  return { points: granted, reason: granted < points ? `${reason} (limited by the points ceiling)` : reason };
}
