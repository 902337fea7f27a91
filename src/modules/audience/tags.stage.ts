import { z } from 'zod';
import type { DbTransaction } from '../../platform/db/database.ts';
import { readOperation } from '../../platform/processor/operations.ts';
import {
  groupByWorkspace,
  type LoggedEvent,
  type ProcessingBatch,
  type Stage,
} from '../../platform/processor/stage.ts';
import { reassignMergedRows } from '../../platform/db/merged-rows.ts';
import * as repo from './tags.repo.ts';

const tagMembersOperationSchema = z.object({
  operation: z.literal('tags'),
  tagId: z.string(),
  add: z.array(z.string()),
  remove: z.array(z.string()),
});

const tagDeletedOperationSchema = z.object({ operation: z.literal('tag-deleted'), tagId: z.string() });

export function tagMembersPayload(tagId: string, add: string[], remove: string[]) {
  return { operation: 'tags', tagId, add, remove };
}

export function tagDeletedPayload(tagId: string) {
  return { operation: 'tag-deleted', tagId };
}

export interface SurvivorReader {
  /** The member each id ended up in after merges (itself when never merged). */
  survivors(transaction: DbTransaction, memberIds: string[]): Promise<Map<string, string>>;
}

async function applyOperation(batch: ProcessingBatch, workspaceId: string, event: LoggedEvent, reader: SurvivorReader) {
  const { transaction } = batch;
  const deleted = readOperation(event.payload, 'tag-deleted', tagDeletedOperationSchema);
  if (deleted) {
    await repo.removeTagEverywhere(transaction, workspaceId, deleted.tagId);
    return;
  }
  const change = readOperation(event.payload, 'tags', tagMembersOperationSchema);
  if (!change) return;
  // Members named when the request came may have been merged since: the tag goes to the survivor.
  const survivors = await reader.survivors(transaction, [...change.add, ...change.remove]);
  const resolve = (ids: string[]) => [...new Set(ids.map((id) => survivors.get(id) ?? id))];
  const { tagId } = change;
  const [added, removed] = [resolve(change.add), resolve(change.remove)];
  await repo.addMembers(transaction, workspaceId, tagId, added, { since: event.eventTime, eventId: event.id });
  await repo.removeMembers(transaction, workspaceId, tagId, removed);
  for (const memberId of [...added, ...removed]) batch.changedMembers.add(memberId);
}

/** Manual tags: operators' tag changes come through the log; merges carry tags to the survivor. */
export function createTagsStage(dependencies: { reader: SurvivorReader }): Stage {
  return {
    name: 'tags',
    async apply(batch) {
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const eventIds = new Set(events.map((event) => event.id));
        const merges = batch.merges.filter((merge) => eventIds.has(merge.eventId));
        await reassignMergedRows(
          batch.transaction,
          merges,
          { tables: ['member_tags'], workspaceId },
          (merged, survivor) => repo.moveTags(batch.transaction, workspaceId, merged, survivor),
        );
        for (const event of events) {
          if (event.type === 'hearth_operation') await applyOperation(batch, workspaceId, event, dependencies.reader);
        }
      }
    },
    reset: (transaction) => repo.resetMemberTags(transaction),
  };
}
