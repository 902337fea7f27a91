import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { addToTotals, balanceOf, earningWithinCeiling, emptyTotals, type PointsTotals } from './points-totals.ts';
import { applyOrderEvent, parseOrderEvent, type OrderState } from '../profiles/orders.ts';
import { eventCurrency, productLinesOf, propertiesOf, statedAmountOf, toMinorUnits } from '../profiles/event-money.ts';
import { channelOfEvent } from '../profiles/profile-fold.ts';
import { evaluateEarningRules, type EarningEvent, type EarningMember } from './earning-rules.ts';
import type { LoyaltyProgram } from './loyalty-program.schema.ts';
import { activationOf, expiryOf, localPeriods } from './point-dates.ts';
import { applyPointsOperation } from './points-operation-rules.ts';
import { advanceLedger, earnPoints, reverseOrderPoints, type LedgerEntry, type LedgerState } from './points-ledger.ts';
import { readPointsOperation, readProgramActivation, type PointsOperationPayload } from './points-operations.ts';
import { advanceMemberTier, keepFacts, memberFacts, reviewTier } from './tier-fold.ts';
import { emptyTierState, recordActivity, type TierChange, type TierState } from './tier-rules.ts';
import { isRecord } from '../../platform/values.ts';

export interface MemberPoints {
  memberId: string;
  ledger: LedgerState;
  totals: PointsTotals;
  advancedTo: number;
  tier: TierState;
  /** Counts saves of the account, so a cached copy of the ledger can tell it is current. */
  revision: number;
}

export interface StoredEntry extends LedgerEntry {
  memberId: string;
  eventId: string;
  programVersion: number | null;
}

export interface StoredTierChange extends TierChange {
  id: string;
  memberId: string;
  eventId: string;
}

/** The answer to an operation, kept so a retried request gets the first answer. */
export interface OperationResult {
  eventId: string;
  memberId: string;
  status: number;
  body: Record<string, unknown>;
}

export interface ActiveProgram {
  version: number;
  document: LoyaltyProgram;
}

export interface LoyaltyFoldState {
  workspaceId: string;
  currency: string;
  timeZone: string;
  program: ActiveProgram | null;
  /** A saved version, by number (an activation in the log switches to it). */
  programVersion(version: number): ActiveProgram | undefined;
  activated: { version: number; eventId: string } | null;
  members: Map<string, MemberPoints>;
  /** The member an id was merged into, for operations addressed to a merged-away id. */
  survivorOf(memberId: string): string;
  orders: Map<string, OrderState>;
  changedOrders: Set<string>;
  usage: Map<string, number>;
  changedUsage: Set<string>;
  entries: StoredEntry[];
  results: OperationResult[];
  /** `Tier Changed`, as it happened, for the feed later capabilities (journeys) react to. */
  tierChanges: StoredTierChange[];
  /** The member as profiles sees it after the event, for rule conditions. */
  memberView(memberId: string): EarningMember;
  /** The member right after a tracked event, from the profiles stage (see ProcessingBatch). */
  snapshotOf(eventId: string): { traits: Record<string, unknown>; features: Record<string, unknown> } | undefined;
}

/** What a fold starts from; what it produces (entries, answers, changed keys) starts empty. */
export type FoldInputs = Omit<
  LoyaltyFoldState,
  'activated' | 'changedOrders' | 'changedUsage' | 'entries' | 'results' | 'tierChanges'
>;

export function createFoldState(inputs: FoldInputs): LoyaltyFoldState {
  return {
    ...inputs,
    activated: null,
    changedOrders: new Set(),
    changedUsage: new Set(),
    entries: [],
    results: [],
    tierChanges: [],
  };
}

export function emptyMemberPoints(memberId: string): MemberPoints {
  return {
    memberId,
    ledger: { lots: [], reservations: [], debt: 0 },
    totals: emptyTotals(),
    advancedTo: Number.NEGATIVE_INFINITY,
    tier: emptyTierState(),
    revision: 0,
  };
}

export function memberPointsOf(state: LoyaltyFoldState, memberId: string): MemberPoints {
  let member = state.members.get(memberId);
  if (!member) {
    member = emptyMemberPoints(memberId);
    state.members.set(memberId, member);
  }
  return member;
}

/** The member as the event found them; the batch-end view only where profiles kept no snapshot. */
function viewAtEvent(state: LoyaltyFoldState, memberId: string, event: LoggedEvent): EarningMember {
  const snapshot = state.snapshotOf(event.id);
  return snapshot ? { ...snapshot, tier: null } : state.memberView(memberId);
}

export function record(state: LoyaltyFoldState, member: MemberPoints, event: LoggedEvent, lines: LedgerEntry[]): void {
  for (const line of lines) {
    addToTotals(member.totals, line);
    state.entries.push({
      ...line,
      memberId: member.memberId,
      eventId: event.id,
      programVersion: state.program?.version ?? null,
    });
  }
}

function idsFor(event: LoggedEvent): () => string {
  let next = 0;
  // Zero-padded, so ids sort in the order the event caused them.
  return () => `pts_${event.id.replace(/^evt_/, '')}_${String((next += 1)).padStart(4, '0')}`;
}

function toEarningEvent(event: LoggedEvent, currency: string): EarningEvent {
  const properties = propertiesOf(event.payload);
  const context = isRecord(event.payload.context) ? event.payload.context : {};
  const order = parseOrderEvent(event.eventName, event.payload, currency);
  const sameCurrency = eventCurrency(properties, currency) === currency;
  const store = properties.store_id ?? properties.storeId ?? context.store_id;
  const stated = statedAmountOf(properties);
  const amount = order ? order.amount : stated === undefined ? null : toMinorUnits(stated, currency);
  return {
    name: event.eventName,
    eventTime: event.eventTime,
    properties,
    context,
    channel: channelOfEvent(event.payload),
    store: typeof store === 'string' || typeof store === 'number' ? String(store) : undefined,
    amount: sameCurrency ? amount : null,
    lines: sameCurrency
      ? productLinesOf(properties, currency).map((line) => ({
          ...(line.category !== undefined ? { category: line.category } : {}),
          ...(line.productId !== undefined ? { productId: line.productId } : {}),
          ...(line.sku !== undefined ? { sku: line.sku } : {}),
          amount: line.amount,
        }))
      : [],
  };
}

function usageKeys(ruleId: string, memberId: string, at: number, timeZone: string) {
  const { day, month } = localPeriods(at, timeZone);
  return {
    total: `${ruleId}\u0000total`,
    day: `${ruleId}\u0000${memberId}|d|${day}`,
    month: `${ruleId}\u0000${memberId}|m|${month}`,
  };
}

function addUsage(state: LoyaltyFoldState, key: string, points: number): void {
  state.usage.set(key, (state.usage.get(key) ?? 0) + points);
  state.changedUsage.add(key);
}

interface EventStep {
  state: LoyaltyFoldState;
  member: MemberPoints;
  event: LoggedEvent;
  /** One id sequence per event: every entry it causes gets a distinct, replayable id. */
  newId: () => string;
}

function earnFromRules({ state, member, event, newId }: EventStep, fromOrder: string | null) {
  const program = state.program?.document;
  if (!program) return;
  const earnings = evaluateEarningRules({
    program,
    event: toEarningEvent(event, state.currency),
    member: { ...viewAtEvent(state, member.memberId, event), tier: member.tier.tierId },
    timeZone: state.timeZone,
    usageOf: (ruleId) => {
      const keys = usageKeys(ruleId, member.memberId, event.eventTime, state.timeZone);
      return {
        total: state.usage.get(keys.total) ?? 0,
        memberDay: state.usage.get(keys.day) ?? 0,
        memberMonth: state.usage.get(keys.month) ?? 0,
      };
    },
  });
  for (const earning of earnings) {
    const { points, reason } = earningWithinCeiling(member.totals, earning.points, earning.reason);
    if (points <= 0) continue;
    const keys = usageKeys(earning.ruleId, member.memberId, event.eventTime, state.timeZone);
    // Only budgets and caps need counters, and only their counters are read before a batch.
    const rule = program.earning.find((candidate) => candidate.id === earning.ruleId);
    if (rule?.budget !== undefined) addUsage(state, keys.total, points);
    if (rule?.caps) {
      addUsage(state, keys.day, points);
      addUsage(state, keys.month, points);
    }
    recordActivity(member.tier, event.eventTime, state.timeZone, { points });
    const lines = earnPoints(
      member.ledger,
      {
        points,
        activatesAt: activationOf(program.pendingDays, event.eventTime, fromOrder !== null),
        expiresAt: expiryOf(program.expiry, event.eventTime, state.timeZone),
        orderId: fromOrder,
        reason,
        source: { type: 'rule', id: earning.ruleId },
      },
      { at: event.eventTime, newId },
    );
    record(state, member, event, lines);
  }
}

function applyOrder(step: EventStep): boolean {
  const { state, member, event } = step;
  const parsed = parseOrderEvent(event.eventName, event.payload, state.currency);
  if (!parsed) return false;
  const existing = state.orders.get(parsed.orderId);
  const { order } = applyOrderEvent(existing, parsed, {
    memberId: member.memberId,
    eventId: event.id,
    eventTime: event.eventTime,
    workspaceCurrency: state.currency,
  });
  state.orders.set(parsed.orderId, order);
  state.changedOrders.add(parsed.orderId);
  if (parsed.kind === 'completed' && existing?.completed) return true;
  const newlyRefunded = order.refunded - (existing?.refunded ?? 0);
  // Points and refunded spend go back to whoever earned them, even when the refund names someone
  // else; an earner not loaded for this batch holds no lots of the order, so has nothing to give.
  const earner =
    state.members.get(state.survivorOf(order.memberId)) ?? (order.memberId === member.memberId ? member : undefined);
  if (order.currency === state.currency) {
    const completed = parsed.kind === 'completed' ? { spend: order.total, orders: 1 } : {};
    recordActivity((earner ?? member).tier, event.eventTime, state.timeZone, { ...completed, refunds: newlyRefunded });
  }
  if (parsed.kind === 'completed') earnFromRules(step, parsed.orderId);
  // A refund takes its share back; at completion, so do refunds that arrived before the order.
  const toReverse = parsed.kind === 'completed' ? order.refunded : newlyRefunded;
  if (order.completed && toReverse > 0 && earner) {
    const lines = reverseOrderPoints(
      earner.ledger,
      {
        orderId: parsed.orderId,
        refunded: order.refunded,
        orderTotal: order.total,
        allowNegativeBalance: state.program?.document.allowNegativeBalance ?? false,
      },
      { at: event.eventTime, newId: step.newId },
    );
    record(state, earner, event, lines);
  }
  return true;
}

/** Applies what time alone did to the member's points before this event. */
export function advanceMember({ state, member, event, newId }: EventStep): void {
  if (event.eventTime <= member.advancedTo) return;
  const facts = member.tier.facts ?? memberFacts(state.memberView(member.memberId));
  advanceMemberTier(state.program?.document, member.tier, facts, event.eventTime, state.timeZone);
  record(state, member, event, advanceLedger(member.ledger, event.eventTime, newId));
  member.advancedTo = event.eventTime;
}

function applyOperation(step: EventStep, operation: PointsOperationPayload): void {
  const { state, member, event } = step;
  advanceMember(step);
  const outcome = applyPointsOperation(member.ledger, operation, {
    program: state.program?.document ?? null,
    totals: member.totals,
    timeZone: state.timeZone,
    at: event.eventTime,
    newId: step.newId,
  });
  if (outcome.ok) record(state, member, event, outcome.entries);
  const { ok: _ok, status, ...refusal } = outcome.ok ? { ok: true, status: 200 } : outcome;
  state.results.push({
    eventId: event.id,
    memberId: member.memberId,
    status,
    body: outcome.ok ? { memberId: member.memberId, ...balanceOf(member.totals) } : { issues: [], ...refusal },
  });
}

/** One event of the log, for the loyalty program in force at its place in the log. */
export function foldLoyaltyEvent(state: LoyaltyFoldState, event: LoggedEvent): void {
  const activation = readProgramActivation(event.payload);
  if (activation !== undefined) {
    const program = state.programVersion(activation);
    if (program) {
      state.program = program;
      state.activated = { version: activation, eventId: event.id };
    }
    return;
  }
  const operation = readPointsOperation(event.payload);
  if (operation) {
    const member = memberPointsOf(state, state.survivorOf(operation.memberId));
    const changesBefore = member.tier.history.length;
    applyOperation({ state, member, event, newId: idsFor(event) }, operation);
    collectTierChanges(state, member, event, changesBefore);
    return;
  }
  if (!event.memberId || !state.program || event.type !== 'track') return;
  const step = { state, member: memberPointsOf(state, event.memberId), event, newId: idsFor(event) };
  const changesBefore = step.member.tier.history.length;
  advanceMember(step);
  recordActivity(step.member.tier, event.eventTime, state.timeZone, {});
  if (!applyOrder(step)) earnFromRules(step, null);
  const facts = keepFacts(step.member.tier, viewAtEvent(state, event.memberId, event), state.program.document);
  reviewTier(state.program.document, step.member.tier, facts, event.eventTime, state.timeZone);
  collectTierChanges(state, step.member, event, changesBefore);
}

/**
 * What time alone did to these members up to the tick: each is advanced as if an event of theirs
 * came then. One id sequence serves the whole tick, so entries of different members never clash.
 */
export function foldClockTick(state: LoyaltyFoldState, event: LoggedEvent, memberIds: string[]): void {
  const newId = idsFor(event);
  for (const memberId of memberIds) {
    const member = memberPointsOf(state, state.survivorOf(memberId));
    const changesBefore = member.tier.history.length;
    advanceMember({ state, member, event, newId });
    collectTierChanges(state, member, event, changesBefore);
  }
}

export function collectTierChanges(
  state: LoyaltyFoldState,
  member: MemberPoints,
  event: LoggedEvent,
  from: number,
): void {
  // Numbered across the event: a clock tick changes several members' tiers.
  let index = state.tierChanges.filter((change) => change.eventId === event.id).length;
  for (const change of member.tier.history.slice(from)) {
    state.tierChanges.push({
      ...change,
      id: `tier_${event.id.replace(/^evt_/, '')}_${String((index += 1)).padStart(4, '0')}`,
      memberId: member.memberId,
      eventId: event.id,
    });
  }
}
