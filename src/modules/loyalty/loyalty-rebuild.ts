import type { ProcessingBatch } from '../../platform/processor/stage.ts';
import { readMembersHistory } from '../ingest/event-log.repo.ts';
import type { LedgerCache } from './ledger-cache.ts';
import { createFoldState, foldLoyaltyEvent } from './loyalty-fold.ts';
import { saveFoldState, usageKeysFor } from './loyalty-persistence.ts';
import type { MemberViews } from './loyalty.stage.ts';
import * as repo from './loyalty.repo.ts';
import { readPointsOperation, readProgramActivation } from './points-operations.ts';
import { forgetMembers } from './rebuild.repo.ts';
import { withoutRefused } from '../quality/quality.repo.ts';

/**
 * After an operator split re-attributed events between members, their points are rebuilt from
 * their history: every event now attributed to them and every operation addressed to them, under
 * the program versions in force at each point of the log. Operations keep the answers they got.
 */
export async function rebuildLoyalty(input: {
  batch: ProcessingBatch;
  workspaceId: string;
  workspace: { currency: string; timezone: string };
  memberIds: string[];
  views: MemberViews;
  cache: LedgerCache;
}): Promise<void> {
  const { batch, workspaceId, memberIds } = input;
  const transaction = batch.transaction;
  const through = batch.events[batch.events.length - 1]?.seq ?? 0;
  await forgetMembers(transaction, workspaceId, memberIds);
  const rebuilt = new Set(memberIds);
  const history = await withoutRefused(
    transaction,
    await readMembersHistory(transaction, workspaceId, memberIds, through),
  );
  const operationMembers = history
    .map((event) => readPointsOperation(event.payload)?.memberId)
    .filter((id) => id !== undefined);
  const survivors = await input.views.survivors(transaction, operationMembers);
  const relevant = history.filter((event) => {
    if (readProgramActivation(event.payload) !== undefined) return true;
    const operation = readPointsOperation(event.payload);
    if (operation) return rebuilt.has(survivors.get(operation.memberId) ?? operation.memberId);
    return event.memberId !== null && rebuilt.has(event.memberId);
  });
  const versions = await repo.readProgramsByVersion(transaction, workspaceId);
  const views = await input.views.load(transaction, memberIds);
  const state = createFoldState({
    workspaceId,
    currency: input.workspace.currency,
    timeZone: input.workspace.timezone,
    program: null,
    programVersion: (version) => versions.get(version),
    members: new Map(),
    survivorOf: (memberId) => survivors.get(memberId) ?? memberId,
    orders: new Map(),
    usage: await repo.loadUsage(
      transaction,
      workspaceId,
      usageKeysFor(relevant, [...versions.values()], input.workspace.timezone),
    ),
    memberView: (memberId) => views.get(memberId) ?? { traits: {}, features: {}, tier: null },
    snapshotOf: (eventId) => batch.memberSnapshots.get(eventId),
  });
  for (const event of relevant) foldLoyaltyEvent(state, event);
  // Every operation was answered when it was folded in order; the rebuild only restates the ledger.
  state.results = [];
  // The active version is the stage's to record; the rebuild only replays it.
  state.activated = null;
  const saved = await saveFoldState(batch, state, through);
  for (const member of saved) input.cache.remember(member);
}
