import {
  groupByWorkspace,
  mergesByEvent,
  type DerivedEvent,
  type LoggedEvent,
  type MemberMerge,
  type Stage,
} from '../../platform/processor/stage.ts';
import { reassignMergedRows } from '../../platform/db/merged-rows.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { readBadgeOperation } from './badge-definition.schema.ts';
import { foldBadgeEvent, heldBadgeKey, type BadgeFoldState } from './badge-fold.ts';
import type { CouponMemberViews } from './coupons.stage.ts';
import { saveAnswers } from './coupons.repo.ts';
import * as repo from './badges.repo.ts';

/** Events earlier stages derive that badges count like logged ones (a referral that completed). */
const countedNames = new Set(['Referral Completed']);

function countedDerivedEvents(derived: DerivedEvent[], workspaceId: string): Map<string, DerivedEvent[]> {
  const byCause = new Map<string, DerivedEvent[]>();
  for (const event of derived) {
    if (!countedNames.has(event.name) || event.workspaceId !== workspaceId) continue;
    byCause.set(event.causeEventId, [...(byCause.get(event.causeEventId) ?? []), event]);
  }
  return byCause;
}

/** A derived event as the badge rules read events: its own id (so each counts once), at its cause's place. */
function toCountedEvent(cause: LoggedEvent, derived: DerivedEvent, position: number): LoggedEvent {
  return {
    ...cause,
    id: `${cause.id}~${derived.name}~${position}`,
    type: 'track',
    eventName: derived.name,
    eventTime: derived.at,
    memberId: derived.memberId,
    payload: { properties: derived.properties },
  };
}

/**
 * A merge at its place in the log, as `reassignBadges` does it to stored rows: the survivor keeps
 * each badge it holds, and takes the merged member's others; the events before the merge counted
 * for the member they had then, as they would in a batch that ended before it.
 */
function foldBadgeMerge(state: BadgeFoldState, merge: MemberMerge): void {
  for (const [key, badge] of [...state.held]) {
    if (badge.memberId !== merge.mergedId) continue;
    state.held.delete(key);
    state.changed.delete(key);
    const into = heldBadgeKey(badge.badgeId, merge.survivorId);
    if (state.held.has(into)) continue;
    state.held.set(into, { ...badge, memberId: merge.survivorId });
    state.changed.add(into);
  }
}

/** Badges and medals: every event of a member moves the badges it counts toward, in log order. */
export function createBadgesStage(dependencies: {
  workspaces: WorkspaceService;
  views: Pick<CouponMemberViews, 'survivors'>;
}): Stage {
  return {
    name: 'badges',
    async apply(batch) {
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const operations = events.map((event) => readBadgeOperation(event.payload));
        const badges = await repo.loadBadges(batch.transaction, workspaceId);
        if (badges.size === 0 && operations.every((operation) => operation === undefined)) continue;
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        const derived = countedDerivedEvents(batch.derivedEvents, workspaceId);
        const memberIds = [
          ...events.flatMap((event) => (event.memberId ? [event.memberId] : [])),
          ...[...derived.values()].flat().map((event) => event.memberId),
        ];
        const survivors = await dependencies.views.survivors(batch.transaction, [...new Set(memberIds)]);
        const mergesAt = mergesByEvent(batch.merges);
        const merged = events
          .flatMap((event) => mergesAt.get(event.id) ?? [])
          .flatMap((merge) => [merge.mergedId, merge.survivorId]);
        const held = await repo.loadMemberBadges(batch.transaction, [...new Set([...survivors.values(), ...merged])]);
        const state: BadgeFoldState = {
          workspaceId,
          currency: workspace.currency,
          timeZone: workspace.timezone,
          badges,
          held: new Map(held.map((badge) => [heldBadgeKey(badge.badgeId, badge.memberId), badge])),
          changedBadges: new Set(),
          changed: new Set(),
          answers: new Map(),
          derivedEvents: [],
        };
        for (const [index, event] of events.entries()) {
          for (const merge of mergesAt.get(event.id) ?? []) foldBadgeMerge(state, merge);
          const memberId =
            batch.attributedBefore.get(event.id) ??
            (event.memberId ? (survivors.get(event.memberId) ?? event.memberId) : null);
          foldBadgeEvent(state, event, operations[index], memberId);
          for (const [position, counted] of (derived.get(event.id) ?? []).entries()) {
            const asEvent = toCountedEvent(event, counted, position);
            foldBadgeEvent(state, asEvent, undefined, survivors.get(counted.memberId) ?? counted.memberId, event.id);
          }
        }
        await repo.saveBadgeState(batch.transaction, state);
        await saveAnswers(batch, workspaceId, state.answers);
        for (const key of state.changed) batch.changedMembers.add(state.held.get(key)?.memberId ?? '');
        batch.changedMembers.delete('');
        batch.derivedEvents.push(...state.derivedEvents);
      }
      // The merged members' stored rows, which the folds above already merged in memory: the same rule.
      await reassignMergedRows(
        batch.transaction,
        batch.merges,
        { tables: repo.memberStateTables },
        (merged, survivor) => repo.reassignBadges(batch.transaction, merged, survivor),
      );
    },
    async reset(transaction) {
      for (const table of repo.badgeDerivedTables) await transaction.deleteFrom(table).execute();
    },
  };
}
