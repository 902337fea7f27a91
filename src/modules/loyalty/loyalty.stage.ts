import type { DbTransaction, SqliteConnection } from '../../platform/db/database.ts';
import {
  asAttributedThen,
  groupByWorkspace,
  mergesByEvent,
  type DerivedEvent,
  type LoggedEvent,
  type MemberMerge,
  type ProcessingBatch,
  type Stage,
} from '../../platform/processor/stage.ts';
import { readClockTick } from '../../platform/timers/clock-tick.ts';
import { readDueSubjects, scheduleTimers } from '../../platform/timers/timers.repo.ts';
import { loadOrders } from '../profiles/orders.repo.ts';
import { parseOrderEvent } from '../profiles/orders.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import type { EarningMember } from './earning-rules.ts';
import {
  createFoldState,
  foldClockTick,
  foldLoyaltyEvent,
  memberPointsOf,
  type LoyaltyFoldState,
  type StoredTierChange,
} from './loyalty-fold.ts';
import { loyaltyTimerOwner } from './loyalty-timers.ts';
import { foldPointsGrants, foldPointsMultiplier, grantsByCause, multipliersByCause } from './points-grants.ts';
import { saveFoldState, usageKeysFor } from './loyalty-persistence.ts';
import { rebuildLoyalty } from './loyalty-rebuild.ts';
import { createLedgerCache, type LedgerCache } from './ledger-cache.ts';
import { createProgramVersionsCache, type ProgramVersionsCache } from './program-versions-cache.ts';
import { mergeMemberPoints } from './points-merge.ts';
import { readPointsOperation, readProgramActivation } from './points-operations.ts';
import * as repo from './loyalty.repo.ts';
import * as points from './points.repo.ts';

export interface MemberViews {
  /** Traits and features of members as profiles holds them, for rule conditions. */
  load(transaction: DbTransaction, memberIds: string[], sqlite?: SqliteConnection): Promise<Map<string, EarningMember>>;
  /** The member an id ended up in after merges (itself when it was never merged). */
  survivors(transaction: DbTransaction, memberIds: string[]): Promise<Map<string, string>>;
}

async function loadFoldState(
  batch: ProcessingBatch,
  workspaceId: string,
  activeVersion: number | null,
  workspace: { currency: string; timezone: string },
  events: LoggedEvent[],
  views: MemberViews,
  caches: { ledgers: LedgerCache; programs: ProgramVersionsCache; merging: BatchSurvivors },
  dueMemberIds: string[],
  grantedMemberIds: string[],
): Promise<LoyaltyFoldState> {
  const transaction = batch.transaction;
  const activations = events.map((event) => readProgramActivation(event.payload));
  const versions = await caches.programs.read(transaction, workspaceId, [activeVersion, ...activations]);
  const operationMembers = events
    .map((event) => readPointsOperation(event.payload)?.memberId)
    .filter((id) => id !== undefined)
    .concat(grantedMemberIds);
  const survivors = await views.survivors(transaction, operationMembers);
  const merges = batch.merges;
  const memberIds = new Set<string>([...survivors.values(), ...dueMemberIds]);
  for (const event of events) if (event.memberId) memberIds.add(event.memberId);
  for (const merge of merges) memberIds.add(merge.survivorId).add(merge.mergedId);
  const orderIds = events.map((event) => parseOrderEvent(event.eventName, event.payload, workspace.currency)?.orderId);
  const wantedOrders = orderIds.filter((id) => id !== undefined);
  // A refund may come from another member than the one who earned the order's points: the owners
  // of those points are loaded whole, so their balance is never rewritten from a partial view.
  const orderLots = await repo.loadLotsOfOrders(transaction, workspaceId, wantedOrders);
  for (const lot of orderLots) memberIds.add(lot.memberId);
  const programs = [...versions.values()];
  // Rule conditions and the value score read the member as profiles holds it.
  const profileViews = await views.load(transaction, [...memberIds], batch.sqlite);
  const state = createFoldState({
    workspaceId,
    currency: workspace.currency,
    timeZone: workspace.timezone,
    program: activeVersion === null ? null : (versions.get(activeVersion) ?? null),
    programVersion: (version) => versions.get(version),
    members: await repo.loadMemberPoints(transaction, workspaceId, [...memberIds], caches.ledgers, batch.sqlite),
    survivorOf: (memberId) => caches.merging.survivorOf(memberId, survivors),
    orders: await loadOrders(transaction, workspaceId, wantedOrders, 'loyalty_orders'),
    usage: await repo.loadUsage(transaction, workspaceId, usageKeysFor(events, programs, workspace.timezone)),
    memberView: (memberId) => profileViews.get(memberId) ?? { traits: {}, features: {}, tier: null },
    snapshotOf: (eventId) => batch.memberSnapshots.get(eventId),
  });
  // What the merged members had stored is the survivors' in the database now; in memory each merge
  // is folded at its place in the log (foldMerge), after the events before it.
  for (const merge of merges) {
    if (!state.members.has(merge.mergedId)) continue;
    await points.reassignPoints(transaction, merge.mergedId, merge.survivorId);
    await scheduleTimers(transaction, workspaceId, loyaltyTimerOwner, [{ subject: merge.mergedId, dueAt: null }]);
  }
  for (const lot of orderLots) {
    const owner = memberPointsOf(state, state.survivorOf(lot.memberId));
    if (!owner.ledger.lots.some((held) => held.id === lot.id)) {
      const { memberId: _owner, ...closed } = lot;
      owner.ledger.lots.push(closed);
    }
  }
  return state;
}

/** A merge at its place in the log: the merged member's points, entries and orders become the survivor's. */
interface BatchSurvivors {
  /** The member an id stands for now, `stored` being the survivors as the batch left them. */
  survivorOf(memberId: string, stored: Map<string, string>): string;
  folded(merge: MemberMerge): void;
}

/**
 * Whom an id stands for while the batch is folded: a member that a merge later in the batch folds
 * away is still itself until then (the stored survivors already say where it ends).
 */
function createBatchSurvivors(merges: MemberMerge[]): BatchSurvivors {
  const foldedInto = new Map<string, string>();
  const pending = new Set(merges.map((merge) => merge.mergedId));
  return {
    survivorOf(memberId, stored) {
      let current = memberId;
      for (let next = foldedInto.get(current); next !== undefined; next = foldedInto.get(current)) current = next;
      return pending.has(current) ? current : (stored.get(current) ?? current);
    },
    folded: (merge) => void foldedInto.set(merge.mergedId, merge.survivorId),
  };
}

function foldMerge(state: LoyaltyFoldState, merge: MemberMerge, merging: BatchSurvivors): void {
  merging.folded(merge);
  if (state.members.has(merge.mergedId)) {
    mergeMemberPoints(memberPointsOf(state, merge.survivorId), memberPointsOf(state, merge.mergedId));
    state.members.delete(merge.mergedId);
  }
  for (const entry of state.entries) if (entry.memberId === merge.mergedId) entry.memberId = merge.survivorId;
  for (const order of state.orders.values()) if (order.memberId === merge.mergedId) order.memberId = merge.survivorId;
}

/** The batch's events as loyalty folds them: each merge before its event, each event with the member it had then. */
function foldEvents(
  batch: ProcessingBatch,
  state: LoyaltyFoldState,
  merging: BatchSurvivors,
  events: LoggedEvent[],
  fold: (event: LoggedEvent) => void,
): void {
  const mergesAt = mergesByEvent(batch.merges);
  for (const event of events) {
    for (const merge of mergesAt.get(event.id) ?? []) foldMerge(state, merge, merging);
    fold(asAttributedThen(batch, event));
  }
}

function toTierChangedEvents(workspaceId: string, changes: StoredTierChange[]): DerivedEvent[] {
  return changes.map((change) => ({
    workspaceId,
    memberId: change.memberId,
    name: 'Tier Changed',
    at: change.at,
    properties: { from: change.from, to: change.to, reason: change.reason },
    causeEventId: change.eventId,
  }));
}

/** A workspace without a program, operation or activation in the batch has nothing to derive. */
function concernsLoyalty(events: LoggedEvent[], hasProgram: boolean): boolean {
  return (
    hasProgram ||
    events.some((event) => readProgramActivation(event.payload) !== undefined || readPointsOperation(event.payload))
  );
}

export function createLoyaltyStage(dependencies: { workspaces: WorkspaceService; views: MemberViews }): Stage {
  const cache = createLedgerCache();
  const programs = createProgramVersionsCache();
  return {
    name: 'loyalty',
    async apply(batch) {
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const activeVersion = await repo.readActiveVersion(batch.transaction, workspaceId);
        const tick = events.length === 1 ? readClockTick(events[0]?.payload) : undefined;
        const due = tick
          ? await readDueSubjects(batch.transaction, workspaceId, loyaltyTimerOwner, tick.until, tick.limit)
          : [];
        const grants = grantsByCause(batch.derivedEvents, workspaceId);
        const multipliers = multipliersByCause(batch.derivedEvents, workspaceId);
        if (!concernsLoyalty(events, activeVersion !== null) && due.length === 0 && grants.size === 0) continue;
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        // A split ends its batch (see the processor): everything before it is folded as it was
        // attributed then; the members it touched are then rebuilt from their history.
        const split = events.some((event) => event.payload.operation === 'split');
        const rebuilt: Set<string> = split ? batch.rebuiltMembers : new Set();
        const merging = createBatchSurvivors(batch.merges);
        const state = await loadFoldState(
          batch,
          workspaceId,
          activeVersion,
          workspace,
          events,
          dependencies.views,
          { ledgers: cache, programs, merging },
          due,
          [...grants.values()].flat().map((grant) => grant.memberId),
        );
        foldEvents(batch, state, merging, events, (event) => {
          if (tick) foldClockTick(state, event, due);
          else foldLoyaltyEvent(state, event);
          for (const multiplier of multipliers.get(event.id) ?? []) foldPointsMultiplier(state, event, multiplier);
          const granted = grants.get(event.id);
          if (granted) foldPointsGrants(state, event, granted);
        });
        const saved = await saveFoldState(batch, state, events[events.length - 1]?.seq ?? 0);
        for (const { eventId, status, body } of state.results) batch.answers.set(eventId, { status, body });
        for (const member of saved) {
          cache.remember(member);
          batch.changedMembers.add(member.memberId);
        }
        batch.derivedEvents.push(...toTierChangedEvents(workspaceId, state.tierChanges));
        if (rebuilt.size > 0) {
          await rebuildLoyalty({
            batch,
            workspaceId,
            workspace,
            memberIds: [...rebuilt],
            views: dependencies.views,
            cache,
          });
        }
      }
    },
    reset: (transaction) => points.resetLoyalty(transaction),
  };
}
