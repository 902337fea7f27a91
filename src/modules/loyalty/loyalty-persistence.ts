import type { WriteScope } from '../../platform/db/sqlite-statements.ts';
import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { saveOrders } from '../profiles/orders.repo.ts';
import type { ActiveProgram, LoyaltyFoldState } from './loyalty-fold.ts';
import * as repo from './loyalty.repo.ts';
import { localPeriods } from './point-dates.ts';
import * as points from './points-writes.repo.ts';
import { scheduleTimers } from '../../platform/timers/timers.repo.ts';
import { loyaltyTimerOwner, nextTimeDue } from './loyalty-timers.ts';
import { insertTierChanges } from './tier-changes.repo.ts';

/** Budget and cap counters the batch may need: read before folding, since folding is pure. */
export function usageKeysFor(events: LoggedEvent[], programs: ActiveProgram[], timeZone: string): string[] {
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

/**
 * The revision is the log position the account was saved at: the same position always means the
 * same state (the fold is deterministic), so a cached copy can never pass for another one, even
 * if a batch that saved it rolled back.
 */
export async function saveFoldState(scope: WriteScope, state: LoyaltyFoldState, position: number) {
  const transaction = scope.transaction;
  await points.insertEntries(scope, state.workspaceId, state.entries);
  const saved = [...state.members.values()];
  for (const member of saved) member.revision = position;
  await points.saveMemberPoints(scope, state.workspaceId, saved);
  const program = state.program?.document;
  await scheduleTimers(
    transaction,
    state.workspaceId,
    loyaltyTimerOwner,
    saved.map((member) => ({ subject: member.memberId, dueAt: nextTimeDue(member, program, state.timeZone) })),
  );
  await points.saveUsage(
    scope,
    state.workspaceId,
    [...state.changedUsage].map((key) => [key, state.usage.get(key) ?? 0]),
  );
  await saveOrders(
    scope,
    state.workspaceId,
    [...state.changedOrders].map((id) => state.orders.get(id)).filter((order) => order !== undefined),
    'loyalty_orders',
  );
  await points.insertOperationResults(scope, state.workspaceId, state.results);
  await insertTierChanges(transaction, state.workspaceId, state.tierChanges);
  if (state.activated) {
    await repo.saveActiveVersion(transaction, state.workspaceId, state.activated.version, state.activated.eventId);
  }
  return saved;
}
