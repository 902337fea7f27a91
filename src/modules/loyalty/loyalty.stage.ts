import type { DbTransaction } from '../../platform/db/database.ts';
import type { LoggedEvent, ProcessingBatch, Stage } from '../../platform/processor/stage.ts';
import { loadOrders, saveOrders } from '../profiles/orders.repo.ts';
import { parseOrderEvent } from '../profiles/orders.ts';
import type { WriteScope } from '../../platform/db/sqlite-statements.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import type { EarningMember } from './earning-rules.ts';
import { foldLoyaltyEvent, memberPointsOf, type ActiveProgram, type LoyaltyFoldState } from './loyalty-fold.ts';
import { localPeriods } from './point-dates.ts';
import { createLedgerCache, type LedgerCache } from './ledger-cache.ts';
import { mergeMemberPoints } from './points-merge.ts';
import { readPointsOperation, readProgramActivation } from './points-operations.ts';
import * as repo from './loyalty.repo.ts';
import * as points from './points.repo.ts';

export interface MemberViews {
  /** Traits and features of members as profiles holds them, for rule conditions. */
  load(transaction: DbTransaction, memberIds: string[]): Promise<Map<string, EarningMember>>;
  /** The member an id ended up in after merges (itself when it was never merged). */
  survivors(transaction: DbTransaction, memberIds: string[]): Promise<Map<string, string>>;
}

function groupByWorkspace(events: LoggedEvent[]): Map<string, LoggedEvent[]> {
  const groups = new Map<string, LoggedEvent[]>();
  for (const event of events) {
    const list = groups.get(event.workspaceId);
    if (list) list.push(event);
    else groups.set(event.workspaceId, [event]);
  }
  return groups;
}

/** Budget and cap counters the batch may need: read before folding, since folding is pure. */
function usageKeysFor(events: LoggedEvent[], programs: ActiveProgram[], timeZone: string): string[] {
  const keys = new Set<string>();
  for (const { document } of programs) {
    for (const rule of document.earning) {
      if (rule.budget !== undefined) keys.add(`${rule.id}\u0000total`);
      if (!rule.caps) continue;
      for (const event of events) {
        if (!event.memberId || event.eventName !== rule.event) continue;
        const { day, month } = localPeriods(event.eventTime, timeZone);
        keys.add(`${rule.id}\u0000${event.memberId}|d|${day}`);
        keys.add(`${rule.id}\u0000${event.memberId}|m|${month}`);
      }
    }
  }
  return [...keys];
}

async function loadFoldState(
  batch: ProcessingBatch,
  workspaceId: string,
  workspace: { currency: string; timezone: string },
  events: LoggedEvent[],
  views: MemberViews,
  cache: LedgerCache,
): Promise<{ state: LoyaltyFoldState; mergedAway: Set<string> }> {
  const transaction = batch.transaction;
  const versions = new Map(
    (await repo.readProgramVersions(transaction, workspaceId)).map((saved) => [
      saved.version,
      { version: saved.version, document: saved.document },
    ]),
  );
  const activeVersion = await repo.readActiveVersion(transaction, workspaceId);
  const operationMembers = events
    .map((event) => readPointsOperation(event.payload)?.memberId)
    .filter((id) => id !== undefined);
  const survivors = await views.survivors(transaction, operationMembers);
  const merges = batch.merges;
  const memberIds = new Set<string>([...survivors.values()]);
  for (const event of events) if (event.memberId) memberIds.add(event.memberId);
  for (const merge of merges) memberIds.add(merge.survivorId).add(merge.mergedId);
  const orderIds = events.map((event) => parseOrderEvent(event.eventName, event.payload, workspace.currency)?.orderId);
  const wantedOrders = orderIds.filter((id) => id !== undefined);
  const programs = [...versions.values()];
  // Rule conditions and the value score read the member as profiles holds it.
  const profileViews = await views.load(transaction, [...memberIds]);
  const state: LoyaltyFoldState = {
    workspaceId,
    currency: workspace.currency,
    timeZone: workspace.timezone,
    program: activeVersion === null ? null : (versions.get(activeVersion) ?? null),
    programVersion: (version) => versions.get(version),
    activated: null,
    members: await repo.loadMemberPoints(transaction, workspaceId, [...memberIds], cache),
    survivorOf: (memberId) => survivors.get(memberId) ?? memberId,
    orders: await loadOrders(transaction, workspaceId, wantedOrders, 'loyalty_orders'),
    changedOrders: new Set(),
    usage: await repo.loadUsage(transaction, workspaceId, usageKeysFor(events, programs, workspace.timezone)),
    changedUsage: new Set(),
    entries: [],
    results: [],
    memberView: (memberId) => profileViews.get(memberId) ?? { traits: {}, features: {}, tier: null },
    snapshotOf: (eventId) => batch.memberSnapshots.get(eventId),
  };
  const mergedAway = new Set<string>();
  for (const merge of merges) {
    if (!state.members.has(merge.mergedId)) continue;
    await points.reassignPoints(transaction, merge.mergedId, merge.survivorId);
    mergeMemberPoints(memberPointsOf(state, merge.survivorId), memberPointsOf(state, merge.mergedId));
    state.members.delete(merge.mergedId);
    mergedAway.add(merge.mergedId);
  }
  for (const lot of await repo.loadLotsOfOrders(transaction, workspaceId, wantedOrders)) {
    const owner = memberPointsOf(state, state.survivorOf(lot.memberId));
    if (!owner.ledger.lots.some((held) => held.id === lot.id)) {
      const { memberId: _owner, ...closed } = lot;
      owner.ledger.lots.push(closed);
    }
  }
  return { state, mergedAway };
}

/**
 * The revision is the log position the account was saved at: the same position always means the
 * same state (the fold is deterministic), so a cached copy can never pass for another one, even
 * if a batch that saved it rolled back.
 */
async function saveFoldState(scope: WriteScope, state: LoyaltyFoldState, position: number) {
  const transaction = scope.transaction;
  await points.insertEntries(transaction, state.workspaceId, state.entries);
  const saved = [...state.members.values()];
  for (const member of saved) member.revision = position;
  await points.saveMemberPoints(transaction, state.workspaceId, saved);
  await points.saveUsage(
    transaction,
    state.workspaceId,
    [...state.changedUsage].map((key) => [key, state.usage.get(key) ?? 0]),
  );
  await saveOrders(
    scope,
    state.workspaceId,
    [...state.changedOrders].map((id) => state.orders.get(id)).filter((order) => order !== undefined),
    'loyalty_orders',
  );
  await points.insertOperationResults(transaction, state.workspaceId, state.results);
  if (state.activated) {
    await repo.saveActiveVersion(transaction, state.workspaceId, state.activated.version, state.activated.eventId);
  }
  return saved;
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
  return {
    name: 'loyalty',
    async apply(batch) {
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const hasProgram = (await repo.readActiveVersion(batch.transaction, workspaceId)) !== null;
        if (!concernsLoyalty(events, hasProgram)) continue;
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        const { state } = await loadFoldState(batch, workspaceId, workspace, events, dependencies.views, cache);
        for (const event of events) foldLoyaltyEvent(state, event);
        const saved = await saveFoldState(batch, state, events[events.length - 1]?.seq ?? 0);
        for (const member of saved) cache.remember(member);
      }
    },
    reset: (transaction) => points.resetLoyalty(transaction),
  };
}
