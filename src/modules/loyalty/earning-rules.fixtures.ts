/** Shared fixtures of the earning-rule tests. */
import {
  evaluateEarningRules,
  type Earning,
  type EarningEvent,
  type EarningMember,
  type RuleUsage,
} from './earning-rules.ts';
import { loyaltyProgramSchema, type LoyaltyProgram } from './loyalty-program.schema.ts';

export const shanghai = 'Asia/Shanghai';
/** 2026-03-10 12:00 in Shanghai. */
export const march10 = Date.UTC(2026, 2, 10, 4);

/** A valid program through the schema, so every rule carries its defaults as it would in production. */
export function program(
  earning: Array<Record<string, unknown>>,
  settings: Record<string, unknown> = {},
): LoyaltyProgram {
  return loyaltyProgramSchema.parse({ ...settings, earning });
}

export function rule(
  id: string,
  award: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { id, name: `Rule ${id}`, event: 'Order Completed', award, ...extra };
}

export const perYuan = { kind: 'perAmount', points: 1, per: 100 };

export function order(overrides: Partial<EarningEvent> = {}): EarningEvent {
  return {
    name: 'Order Completed',
    eventTime: march10,
    properties: {},
    context: {},
    channel: 'tmall',
    store: undefined,
    amount: 12_345,
    lines: [],
    ...overrides,
  };
}

export const member: EarningMember = { traits: {}, features: {}, tier: null };
export const diamond: EarningMember = { traits: {}, features: {}, tier: 'Diamond' };

export function evaluate(
  programToRun: LoyaltyProgram,
  event: EarningEvent,
  options: { member?: EarningMember; timeZone?: string; usage?: Record<string, Partial<RuleUsage>> } = {},
): Earning[] {
  return evaluateEarningRules({
    program: programToRun,
    event,
    member: options.member ?? member,
    timeZone: options.timeZone ?? shanghai,
    usageOf: (ruleId) => ({ total: 0, memberDay: 0, memberMonth: 0, ...options.usage?.[ruleId] }),
  });
}

/** Points by rule id, for the tests where the reason is not the point. */
export function pointsOf(earnings: Earning[]): Record<string, number> {
  return Object.fromEntries(earnings.map((earning) => [earning.ruleId, earning.points]));
}
