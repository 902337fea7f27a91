import { z } from 'zod';

/**
 * Bounds on the points and money the management API accepts, in one place for every module.
 *
 * Sums of these numbers (balances, lifetime counters, budgets, totals) must stay exact, so they
 * must stay within Number.MAX_SAFE_INTEGER. Each input is bounded far above any real operation,
 * and every running total is kept under a ceiling a thousand times below the unsafe range; the
 * decision that would cross the ceiling refuses instead. A total at the ceiling plus one more
 * largest input is still exact, so no check can itself overflow.
 */

/** The most points one input may name: an adjustment, a redemption, a rule's award or budget. */
export const maxPointsPerInput = 1_000_000_000;

/** The most money one input may name, in minor units: ten billion of a currency with cents. */
export const maxMinorUnits = 1_000_000_000_000;

/** The most any running total may reach: a balance, a lifetime counter, a store's budget. */
export const pointsTotalCeiling = 1_000_000_000_000_000;

const atMost = (limit: number) => `must be at most ${limit}`;
const atLeast = (limit: number) => `must be at least ${limit}`;

/** A whole number of points, either sign, within the per-input bound. */
export const pointsAmount = z
  .number()
  .int('must be a whole number of points')
  .min(-maxPointsPerInput, atLeast(-maxPointsPerInput))
  .max(maxPointsPerInput, atMost(maxPointsPerInput));

export const positivePointsAmount = pointsAmount.positive('must be more than 0');

/** A money amount in integer minor units (cents, fen), either sign, within the per-input bound. */
export const minorUnitsAmount = z
  .number()
  .int('must be in minor units (cents, fen)')
  .min(-maxMinorUnits, atLeast(-maxMinorUnits))
  .max(maxMinorUnits, atMost(maxMinorUnits));

export const positiveMinorUnits = minorUnitsAmount.positive('must be more than 0');

/** A threshold compared with a running total (a tier's qualifying value): reachable only under the ceiling. */
export const totalThreshold = z
  .number()
  .int('must be a whole number')
  .min(0, atLeast(0))
  .max(pointsTotalCeiling, atMost(pointsTotalCeiling));
