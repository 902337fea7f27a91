import {
  groupByWorkspace,
  type LoggedEvent,
  type ProcessingBatch,
  type Stage,
} from '../../platform/processor/stage.ts';
import { readMemberEvents } from '../ingest/event-log.repo.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { emptyProfile, foldEvent, mergeProfiles, orderIdOfEvent, snapshotOf, type FoldState } from './profile-fold.ts';
import * as orders from './orders.repo.ts';
import * as repo from './profiles.repo.ts';
import { withoutRefused } from '../quality/quality.repo.ts';

function finalMember(memberId: string, mergedInto: Map<string, string>): string {
  let current = memberId;
  while (mergedInto.has(current)) current = mergedInto.get(current) as string;
  return current;
}

/** Tracked events are what loyalty rules judge: they see the member as of the event, not of the batch end. */
function recordSnapshot(batch: ProcessingBatch, state: FoldState, event: LoggedEvent): void {
  if (event.type !== 'track' || event.memberId === null) return;
  const profile = state.profiles.get(event.memberId);
  if (!profile) return;
  batch.memberSnapshots.set(event.id, snapshotOf(profile));
}

/** Incremental path: load the touched profiles and orders, fold merges and events in, save once. */
async function applyIncrementally(
  batch: ProcessingBatch,
  workspaceId: string,
  currency: string,
  events: LoggedEvent[],
) {
  const transaction = batch.transaction;
  const merges = batch.merges.filter((merge) => !batch.rebuiltMembers.has(merge.survivorId));
  const mergedInto = new Map(merges.map((merge) => [merge.mergedId, merge.survivorId]));
  const memberIds = new Set<string>();
  for (const event of events) if (event.memberId) memberIds.add(event.memberId);
  for (const merge of merges) memberIds.add(merge.survivorId).add(merge.mergedId);
  // A member merged into one that is rebuilt below still ends with an empty profile, as it would
  // had the merge come in an earlier batch.
  const mergedIntoRebuilt = batch.merges.filter((merge) => batch.rebuiltMembers.has(merge.survivorId));
  for (const merge of mergedIntoRebuilt) memberIds.add(merge.mergedId);
  const members = await repo.loadMembers(transaction, [...memberIds], batch.sqlite);
  const workspaceMembers = [...members.values()].filter((member) => member.workspaceId === workspaceId);
  if (workspaceMembers.length === 0) return;

  const state: FoldState = {
    workspaceCurrency: currency,
    profiles: new Map(workspaceMembers.map((member) => [member.id, member.profile])),
    orders: await orders.loadOrders(
      transaction,
      workspaceId,
      events.map(orderIdOfEvent).filter((id): id is string => id !== undefined),
    ),
    changedOrders: new Set(),
  };
  for (const merge of merges) {
    const survivor = finalMember(merge.survivorId, mergedInto);
    const merged = state.profiles.get(merge.mergedId);
    if (!merged) continue;
    mergeProfiles(state.profiles.get(survivor) ?? emptyProfile(), merged);
    state.profiles.set(merge.mergedId, emptyProfile());
    await repo.reassignOrders(batch, merge.mergedId, survivor);
    for (const order of state.orders.values()) if (order.memberId === merge.mergedId) order.memberId = survivor;
  }
  for (const merge of mergedIntoRebuilt) {
    if (state.profiles.has(merge.mergedId)) state.profiles.set(merge.mergedId, emptyProfile());
  }
  for (const event of events) {
    foldEvent(state, event);
    recordSnapshot(batch, state, event);
  }
  for (const member of workspaceMembers) member.profile = state.profiles.get(member.id) ?? member.profile;
  await repo.saveProfiles(batch, workspaceMembers, batch.now);
  await orders.saveOrders(
    batch,
    workspaceId,
    [...state.changedOrders].map((id) => state.orders.get(id)).filter((order) => order !== undefined),
  );
}

/** After a split, the affected members are recomputed from their own events, orders included. */
async function rebuildMembers(batch: ProcessingBatch, workspaceId: string, currency: string, memberIds: string[]) {
  const transaction = batch.transaction;
  const members = [...(await repo.loadMembers(transaction, memberIds, batch.sqlite)).values()].filter(
    (member) => member.workspaceId === workspaceId,
  );
  if (members.length === 0) return;
  const ids = members.map((member) => member.id);
  const logged = (await readMemberEvents(transaction, ids, { limit: Number.MAX_SAFE_INTEGER })).reverse();
  const events = await withoutRefused(transaction, logged);
  await repo.deleteOrdersOfMembers(transaction, ids);
  const state: FoldState = {
    workspaceCurrency: currency,
    profiles: new Map(),
    orders: new Map(),
    changedOrders: new Set(),
  };
  for (const event of events) foldEvent(state, event);
  for (const member of members) member.profile = state.profiles.get(member.id) ?? emptyProfile();
  await repo.saveProfiles(batch, members, batch.now);
  await orders.saveOrders(batch, workspaceId, [...state.orders.values()]);
}

export function createProfilesStage(dependencies: { workspaces: WorkspaceService }): Stage {
  return {
    name: 'profiles',
    async apply(batch) {
      const byWorkspace = groupByWorkspace(
        batch.events.filter((event) => event.memberId === null || !batch.rebuiltMembers.has(event.memberId)),
      );
      const workspaceIds = new Set([...byWorkspace.keys(), ...batch.events.map((event) => event.workspaceId)]);
      for (const workspaceId of workspaceIds) {
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        await applyIncrementally(batch, workspaceId, workspace.currency, byWorkspace.get(workspaceId) ?? []);
        if (batch.rebuiltMembers.size > 0)
          await rebuildMembers(batch, workspaceId, workspace.currency, [...batch.rebuiltMembers]);
      }
    },
    reset: (transaction) => repo.resetProfiles(transaction),
  };
}
