/** Shared fixtures of the program schema tests. */
import { loyaltyProgramSchema, type LoyaltyProgram } from './loyalty-program.schema.ts';
import type { ValueScoreModel } from './tier-program.schema.ts';

export const fieldMessage =
  'must be properties.<path>, context.<path>, traits.<path>, features.<orderCount|totalSpend|refundTotal|netSpend|' +
  'averageOrderValue|eventCount|firstOrderAt|lastOrderAt|firstSeenAt|lastSeenAt>, tier, channel, store or event';

/** The value-score model an empty document gets, written out. */
export const defaultValueScoreModel: ValueScoreModel = {
  windowMonths: 12,
  weights: { consumption: 40, activity: 20, account: 15, credit: 15, newcomer: 10 },
  fullScoreSpend: 1_000_000,
  fullScoreActiveDays: 60,
  accountTraits: ['email', 'phone', 'birthday', 'name', 'gender', 'city'],
  verifiedPhoneTrait: 'phoneVerified',
  refundRateForNoCredit: 0.5,
  newcomerMonths: 3,
};

export const defaults: LoyaltyProgram = {
  name: 'Points',
  pointValue: { points: 100, amount: 100 },
  rounding: 'floor',
  earning: [],
  pendingDays: 0,
  expiry: { kind: 'never' },
  expiringSoonDays: 30,
  allowNegativeBalance: false,
  redemption: { maxOrderSharePercent: 100, minimumBalance: 0, step: 1, reservationMinutes: 15 },
  valueScore: defaultValueScoreModel,
};

/** A valid earning rule with some fields replaced (possibly by invalid ones). */
export function rule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'base',
    name: 'Base points',
    event: 'Order Completed',
    award: { kind: 'fixed', points: 10 },
    ...overrides,
  };
}

/** The issues of a document that must be rejected, as path + message, in zod's order. */
export function issuesOf(document: unknown): Array<{ path: string; message: string }> {
  const result = loyaltyProgramSchema.safeParse(document);
  if (result.success) throw new Error(`expected the document to be rejected: ${JSON.stringify(document)}`);
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

export function withRule(overrides: Record<string, unknown>): unknown {
  return { earning: [rule(overrides)] };
}
