import { toJson } from '../../platform/db/json.ts';
import type { LoggedEvent, ProcessingBatch } from '../../platform/processor/stage.ts';
import { readMemberEvents } from '../ingest/event-log.repo.ts';
import { identifierKey } from './identifiers.ts';
import { extractEventIdentifiers, memberIdForEvent, type SplitOperation } from './identity-events.ts';
import type { Identifier, IdentitySettings } from './identity.schema.ts';
import * as repo from './identity.repo.ts';
import { computeSplitGroups } from './split-groups.ts';

async function resolveSurvivor(batch: ProcessingBatch, memberId: string): Promise<string | undefined> {
  const found = await repo.findMergedInto(batch.transaction, memberId);
  if (!found) return undefined;
  return found.mergedInto ?? memberId;
}

/**
 * An alias linked its previousId (as a user id or an anonymous id) to the rest of the event; the
 * recomputed grouping must keep that link, or the previous id would fall out as a group of its own.
 */
function aliasIdentifiers(event: LoggedEvent): Identifier[] {
  const previousId = event.payload.previousId;
  if (event.type !== 'alias' || typeof previousId !== 'string' || !previousId.trim()) return [];
  const value = previousId.trim();
  return [
    { type: 'user_id', value },
    { type: 'anonymous_id', value },
  ];
}

/**
 * An operator removed an identifier from a member: the member's group is recomputed from its own
 * events without that identifier, the identifier moves to a new member, and every event is
 * re-attributed. Later stages rebuild the affected members from their events.
 */
export async function applySplit(
  batch: ProcessingBatch,
  workspaceId: string,
  settings: IdentitySettings,
  phoneRegion: string,
  operationEvent: LoggedEvent,
  split: SplitOperation,
): Promise<void> {
  const transaction = batch.transaction;
  const memberId = await resolveSurvivor(batch, split.memberId);
  const owner = await repo.findOwner(transaction, workspaceId, split.identifier);
  const cause = { workspaceId, eventId: operationEvent.id, at: operationEvent.eventTime };
  if (!memberId || owner !== memberId) {
    const skipped = toJson({ skipped: 'the identifier no longer belongs to the member' });
    const members = { memberId: split.memberId, otherMemberId: null };
    await repo.insertIdentityLog(batch, [repo.identityLogEntry(cause, 'split', members, split.identifier, skipped)]);
    return;
  }
  const owned = new Set((await repo.findIdentifiersOfMembers(batch, [memberId])).map(identifierKey));
  const events = (await readMemberEvents(transaction, [memberId], { limit: Number.MAX_SAFE_INTEGER })).reverse();
  const extraction = { phoneRegion, settings };
  const { groups, eventGroup } = computeSplitGroups({
    events: events.map((event) => ({
      seq: event.seq,
      identifiers: [...extractEventIdentifiers(event, extraction), ...aliasIdentifiers(event)].filter((identifier) =>
        owned.has(identifierKey(identifier)),
      ),
    })),
    removed: split.identifier,
    priority: settings.priority,
  });
  if (groups.length < 2) {
    const skipped = toJson({ skipped: 'the member has no other identifier' });
    const members = { memberId, otherMemberId: null };
    await repo.insertIdentityLog(batch, [repo.identityLogEntry(cause, 'split', members, split.identifier, skipped)]);
    return;
  }
  // The group holding the member's oldest identifiers keeps its id; the others are new members.
  const base = memberIdForEvent(operationEvent.id);
  const memberIds = groups.map((_group, index) => (index === 1 ? memberId : `${base}_${index}`));
  const newMembers = memberIds.filter((id) => id !== memberId);
  await repo.insertMembers(
    batch,
    newMembers.map((id) => ({ id, workspaceId, createdAt: operationEvent.eventTime, eventId: operationEvent.id })),
  );
  await repo.setIdentifierOwners(
    transaction,
    workspaceId,
    groups.flatMap((group, index) =>
      group.map((identifier) => ({ ...identifier, memberId: memberIds[index] as string })),
    ),
  );
  const assignments = events.map((event) => ({
    seq: event.seq,
    memberId: memberIds[eventGroup.get(event.seq) ?? 1] ?? memberId,
  }));
  await repo.setEventMembers(batch, workspaceId, assignments);
  // The batch's events keep the member they had when they were processed: a split ends its batch,
  // later stages fold those events as they were attributed then and rebuild the split members
  // from the log, which now holds the new attribution.
  const detail = toJson({ members: memberIds, block: split.block });
  const members = { memberId, otherMemberId: memberIds[0] ?? null };
  await repo.insertIdentityLog(batch, [repo.identityLogEntry(cause, 'split', members, split.identifier, detail)]);
  for (const id of memberIds) batch.rebuiltMembers.add(id);
}
