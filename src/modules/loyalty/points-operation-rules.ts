import { pointsTotalCeiling } from '../../platform/amounts.ts';
import type { Issue } from '../../platform/errors.ts';
import type { LoyaltyProgram } from './loyalty-program.schema.ts';
import { expiryOf } from './point-dates.ts';
import {
  availablePoints,
  earnPoints,
  reservePoints,
  settleReservation,
  spendPoints,
  type LedgerEntry,
  type LedgerResult,
  type LedgerState,
} from './points-ledger.ts';
import type { PointsOperationPayload } from './points-operations.ts';
import { gainOverCeiling, type PointsTotals } from './points-totals.ts';

/** What an operation decided: entries to keep, or a refusal the API answers with. */
export type OperationOutcome =
  | { ok: true; entries: LedgerEntry[] }
  | { ok: false; status: 404 | 409 | 422; error: string; message: string; available?: number; issues?: Issue[] };

export interface OperationRulesContext {
  program: LoyaltyProgram | null;
  /** The member's balances before the operation, which no operation may take past the ceiling. */
  totals: PointsTotals;
  timeZone: string;
  at: number;
  newId(): string;
}

function refusedForBalance(result: Extract<LedgerResult, { ok: false }>, points: number): OperationOutcome {
  return {
    ok: false,
    status: 409,
    error: 'insufficient_points',
    message: `not enough points: ${points} asked, ${result.available} available`,
    available: result.available,
  };
}

/** The program's redemption rules: the step size, and the balance a member must hold first. */
function checkRedemption(program: LoyaltyProgram | null, points: number, available: number): OperationOutcome | null {
  const rules = program?.redemption;
  if (!rules) return null;
  if (points % rules.step !== 0) {
    return {
      ok: false,
      status: 422,
      error: 'invalid_points',
      message: `points must be a multiple of ${rules.step}`,
    };
  }
  if (available < rules.minimumBalance) {
    return {
      ok: false,
      status: 409,
      error: 'insufficient_points',
      message: `redeeming needs a balance of at least ${rules.minimumBalance} points; ${available} available`,
      available,
    };
  }
  return null;
}

/** Checked before the ledger changes, so a refused operation leaves nothing behind. */
function checkCeiling(totals: PointsTotals, points: number): OperationOutcome | null {
  const over = gainOverCeiling(totals, points);
  if (!over) return null;
  const rule = `would take ${over} above ${pointsTotalCeiling} points`;
  return {
    ok: false,
    status: 422,
    error: 'total_over_ceiling',
    message: `points ${rule}`,
    issues: [{ path: 'body.points', message: rule }],
  };
}

function fromLedger(result: LedgerResult, points: number): OperationOutcome {
  return result.ok ? { ok: true, entries: result.entries } : refusedForBalance(result, points);
}

export function applyPointsOperation(
  ledger: LedgerState,
  operation: PointsOperationPayload,
  context: OperationRulesContext,
): OperationOutcome {
  const request = operation.request;
  const staff = { type: 'staff' as const, id: null };
  switch (request.action) {
    case 'adjust': {
      if (request.points > 0) {
        const refused = checkCeiling(context.totals, request.points);
        if (refused) return refused;
        const expiry = context.program ? expiryOf(context.program.expiry, context.at, context.timeZone) : null;
        const entries = earnPoints(
          ledger,
          {
            points: request.points,
            activatesAt: context.at,
            expiresAt: expiry,
            orderId: null,
            reason: request.reason,
            source: staff,
            kind: 'adjust',
          },
          context,
        );
        return { ok: true, entries };
      }
      const spent = spendPoints(
        ledger,
        { points: -request.points, reason: request.reason, source: staff, kind: 'adjust' },
        context,
      );
      return fromLedger(spent, -request.points);
    }
    case 'redeem': {
      // Summed once, for the rule and the spend: the sum visits every open lot, and a member may hold thousands.
      const available = availablePoints(ledger, context.at);
      const refused = checkRedemption(context.program, request.points, available);
      if (refused) return refused;
      const spent = spendPoints(
        ledger,
        { points: request.points, reason: request.reason, source: staff, kind: 'redeem' },
        context,
        available,
      );
      return fromLedger(spent, request.points);
    }
    case 'reserve': {
      if (ledger.reservations.some((hold) => hold.orderId === request.orderId)) {
        return {
          ok: false,
          status: 409,
          error: 'already_reserved',
          message: `order ${request.orderId} already holds points`,
        };
      }
      const available = availablePoints(ledger, context.at);
      const refused = checkRedemption(context.program, request.points, available);
      if (refused) return refused;
      // The hold lasts as long as the program in force says; without a program, 15 minutes.
      const minutes = context.program?.redemption.reservationMinutes ?? 15;
      const held = reservePoints(
        ledger,
        {
          reservationId: `hold_${context.newId()}`,
          orderId: request.orderId,
          points: request.points,
          expiresAt: context.at + minutes * 60_000,
        },
        context,
        available,
      );
      return fromLedger(held, request.points);
    }
    default: {
      const hold = ledger.reservations.find((reservation) => reservation.orderId === request.orderId);
      if (!hold) {
        return {
          ok: false,
          status: 404,
          error: 'not_found',
          message: `no points are held for order ${request.orderId}`,
        };
      }
      const reason =
        request.action === 'commit' ? `paid order ${request.orderId}` : `released for order ${request.orderId}`;
      return { ok: true, entries: settleReservation(ledger, hold.id, request.action, reason, context) };
    }
  }
}
