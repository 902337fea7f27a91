import { DateTime } from 'luxon';
import type { Award, Condition, EarningRule, LoyaltyProgram } from './loyalty-program.schema.ts';
import { readNumber } from '../../platform/values.ts';

/** What a rule sees of the event, already read out of its payload. */
export interface EarningEvent {
  name: string | null;
  eventTime: number;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  channel: string | undefined;
  store: string | undefined;
  /** Minor units of the workspace currency; null when the event carries no amount in it. */
  amount: number | null;
  lines: Array<{ category?: string; productId?: string; sku?: string; amount: number }>;
}

export interface EarningMember {
  traits: Record<string, unknown>;
  features: Record<string, unknown>;
  tier: string | null;
}

/** Points a rule has given so far: in all, and to this member on the event's day and month. */
export interface RuleUsage {
  total: number;
  memberDay: number;
  memberMonth: number;
}

export interface Earning {
  ruleId: string;
  points: number;
  /** Before caps and budget: the explanation shows both. */
  uncapped: number;
  reason: string;
}

function readPath(root: unknown, path: string[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function fieldValue(field: string, event: EarningEvent, member: EarningMember): unknown {
  const [root = '', ...path] = field.split('.');
  if (root === 'properties') return readPath(event.properties, path);
  if (root === 'context') return readPath(event.context, path);
  if (root === 'traits') return readPath(member.traits, path);
  if (root === 'features') return readPath(member.features, path);
  if (root === 'tier') return member.tier ?? undefined;
  if (root === 'channel') return event.channel;
  if (root === 'store') return event.store;
  return event.name ?? undefined;
}

/**
 * Payloads carry numbers and flags as strings as often as not ("7", "true"), and configurations
 * write them either way: scalars compare by number when both read as one, else as text, ignoring case.
 */
function sameValue(actual: unknown, expected: string | number | boolean): boolean {
  if (actual === expected) return true;
  if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') return false;
  const actualNumber = readNumber(actual);
  const expectedNumber = readNumber(expected);
  if (actualNumber !== undefined && expectedNumber !== undefined) return actualNumber === expectedNumber;
  return String(actual).toLowerCase() === String(expected).toLowerCase();
}

export function matchesCondition(condition: Condition, event: EarningEvent, member: EarningMember): boolean {
  const actual = fieldValue(condition.field, event, member);
  switch (condition.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'missing':
      return actual === undefined || actual === null;
    case 'eq':
      return sameValue(actual, condition.value);
    case 'ne':
      return !sameValue(actual, condition.value);
    case 'in':
      return condition.value.some((value) => sameValue(actual, value));
    case 'notIn':
      return !condition.value.some((value) => sameValue(actual, value));
    case 'contains':
      if (Array.isArray(actual)) return actual.some((item) => sameValue(item, condition.value));
      return typeof actual === 'string' && actual.toLowerCase().includes(String(condition.value).toLowerCase());
    default: {
      const number = readNumber(actual);
      if (number === undefined) return false;
      if (condition.op === 'gt') return number > condition.value;
      if (condition.op === 'gte') return number >= condition.value;
      if (condition.op === 'lt') return number < condition.value;
      return number <= condition.value;
    }
  }
}

function inDateRange(rule: EarningRule, eventTime: number, timeZone: string): boolean {
  if (!rule.from && !rule.until) return true;
  const day = DateTime.fromMillis(eventTime, { zone: timeZone }).toISODate() ?? '';
  return (!rule.from || day >= rule.from) && (!rule.until || day <= rule.until);
}

function hundredths(multiplier: number | undefined): bigint {
  return BigInt(Math.round((multiplier ?? 1) * 100));
}

function roundQuotient(numerator: bigint, denominator: bigint, rounding: LoyaltyProgram['rounding']): number {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n || rounding === 'floor') return Number(quotient);
  if (rounding === 'ceil') return Number(quotient + 1n);
  return Number(remainder * 2n >= denominator ? quotient + 1n : quotient);
}

/** amount × points ÷ per × multipliers, rounded once, in integers so no float drift creeps in. */
function scaledPoints(
  amount: number,
  award: Extract<Award, { per: number }>,
  rule: EarningRule,
  rounding: LoyaltyProgram['rounding'],
): number {
  if (amount <= 0) return 0;
  const numerator = BigInt(amount) * BigInt(award.points) * hundredths(award.multiplier) * hundredths(rule.multiplier);
  return roundQuotient(numerator, BigInt(award.per) * 10_000n, rounding);
}

function awardPoints(rule: EarningRule, event: EarningEvent, rounding: LoyaltyProgram['rounding']): number {
  const award = rule.award;
  if (award.kind === 'fixed') return roundQuotient(BigInt(award.points) * hundredths(rule.multiplier), 100n, rounding);
  if (award.kind === 'perAmount') return scaledPoints(event.amount ?? 0, award, rule, rounding);
  const matching = event.lines.filter(
    (line) =>
      (award.match.category === undefined || line.category?.toLowerCase() === award.match.category.toLowerCase()) &&
      (award.match.productId === undefined || line.productId === award.match.productId) &&
      (award.match.sku === undefined || line.sku === award.match.sku),
  );
  return scaledPoints(
    matching.reduce((sum, line) => sum + line.amount, 0),
    award,
    rule,
    rounding,
  );
}

function capPoints(rule: EarningRule, points: number, usage: RuleUsage): number {
  const limits = [
    points,
    rule.budget === undefined ? points : rule.budget - usage.total,
    rule.caps?.perMemberPerDay === undefined ? points : rule.caps.perMemberPerDay - usage.memberDay,
    rule.caps?.perMemberPerMonth === undefined ? points : rule.caps.perMemberPerMonth - usage.memberMonth,
  ];
  return Math.max(0, Math.min(...limits));
}

/**
 * Every enabled rule for the event whose conditions hold gives its points, each within its own
 * budget and per-member caps. Rules add up: a double-points rule for Diamond members is written
 * as its own rule (or as a multiplier on a rule with a tier condition).
 */
export function evaluateEarningRules(input: {
  program: LoyaltyProgram;
  event: EarningEvent;
  member: EarningMember;
  timeZone: string;
  usageOf(ruleId: string): RuleUsage;
}): Earning[] {
  const { program, event, member } = input;
  const earnings: Earning[] = [];
  for (const rule of program.earning) {
    if (!rule.enabled || rule.event !== event.name) continue;
    if (!inDateRange(rule, event.eventTime, input.timeZone)) continue;
    if (!rule.conditions.every((condition) => matchesCondition(condition, event, member))) continue;
    const uncapped = awardPoints(rule, event, program.rounding);
    if (uncapped <= 0) continue;
    const points = capPoints(rule, uncapped, input.usageOf(rule.id));
    const limited = points < uncapped ? ` (limited from ${uncapped} by the rule's budget or caps)` : '';
    earnings.push({ ruleId: rule.id, points, uncapped, reason: `${rule.name}${limited}` });
  }
  return earnings;
}
