import { z } from 'zod';
import { readOperation } from '../../platform/processor/operations.ts';
import { groupByWorkspace, type DerivedEvent, type LoggedEvent, type Stage } from '../../platform/processor/stage.ts';
import { readClockTick } from '../../platform/timers/clock-tick.ts';
import { clearTimers, readDueSubjects, scheduleTimers } from '../../platform/timers/timers.repo.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import * as tagsRepo from './tags.repo.ts';
import { segmentDefinitionSchema } from './segment-definition.schema.ts';
import { loadMemberFacts } from './segment-facts.repo.ts';
import { decideMemberships, type MembershipDecision } from './segment-membership.ts';
import { referencedEventNames } from './segment-references.ts';
import { localDay, materializeSegment, type WorkspaceStep } from './segment-materialization.ts';
import * as repo from './segments.repo.ts';
import { valueBandSchema } from './value-bands.ts';
import { hasBirthdays, runBirthdayPass, scheduleBirthdayPass } from './segment-birthdays.ts';
import { bandsDue, computeBandDefinition, refreshBands, scheduleBandRefresh } from './segment-value-bands.ts';
import { refreshRfm, rfmDue, stopRfm, usesRfm } from './segment-rfm.ts';

const savedOperationSchema = z.object({
  segment: z.object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    definition: segmentDefinitionSchema,
    tagId: z.string().nullable(),
    band: valueBandSchema.nullable(),
    createdAt: z.number(),
  }),
});
type SavedSegment = z.infer<typeof savedOperationSchema>['segment'];
const deletedOperationSchema = z.object({ segmentId: z.string() });

/** Saving a segment ends its batch: its whole population is evaluated once the batch before it is applied. */
export function segmentSavedPayload(segment: SavedSegment) {
  return { operation: 'segment-saved', segment, endsBatch: true };
}

export function segmentDeletedPayload(segmentId: string) {
  return { operation: 'segment-deleted', segmentId, endsBatch: true };
}

/** Everyone whose facts this batch may have changed, with the event to name as the cause. */
function affectedMembers(step: WorkspaceStep, due: string[]): Map<string, string> {
  const { batch, events } = step;
  const first = events[0]?.id ?? '';
  const causes = new Map<string, string>(due.map((memberId) => [memberId, first]));
  const eventIds = new Set(events.map((event) => event.id));
  for (const event of events) if (event.memberId) causes.set(event.memberId, event.id);
  for (const merge of batch.merges) {
    if (!eventIds.has(merge.eventId)) continue;
    causes.set(merge.survivorId, merge.eventId);
    causes.set(merge.mergedId, merge.eventId);
  }
  for (const derived of batch.derivedEvents) {
    if (derived.workspaceId === step.workspaceId) causes.set(derived.memberId, derived.causeEventId);
  }
  for (const memberId of [...batch.changedMembers, ...batch.rebuiltMembers]) {
    if (!causes.has(memberId)) causes.set(memberId, first);
  }
  return causes;
}

function membershipEvents(
  step: WorkspaceStep,
  decision: MembershipDecision,
  names: Map<string, string>,
  causes: Map<string, string>,
) {
  const derived = (name: string, change: { segmentId: string; memberId: string }): DerivedEvent => ({
    workspaceId: step.workspaceId,
    memberId: change.memberId,
    name,
    at: step.now,
    properties: { segmentId: change.segmentId, segmentName: names.get(change.segmentId) ?? '' },
    causeEventId: causes.get(change.memberId) ?? '',
  });
  return [
    ...decision.exited.map((change) => derived('Segment Exited', change)),
    ...decision.entered.map((change) => derived('Segment Entered', change)),
  ];
}

async function reevaluateMembers(step: WorkspaceStep, segments: repo.StoredSegment[], due: string[]) {
  const { batch, workspaceId } = step;
  const causes = affectedMembers(step, due);
  if (causes.size === 0) return;
  const memberIds = [...causes.keys()];
  const transaction = batch.transaction;
  const [facts, held] = await Promise.all([
    loadMemberFacts(transaction, workspaceId, memberIds, {
      eventNames: referencedEventNames(segments.map((segment) => segment.definition)),
    }),
    repo.membershipsOf(transaction, workspaceId, memberIds),
  ]);
  const context = { now: step.now, timeZone: step.timeZone };
  const decision = decideMemberships({ segments, memberIds, facts, held, context });
  await repo.removeMemberships(transaction, decision.exited);
  await repo.addMemberships(transaction, workspaceId, decision.entered, step.now);
  await applyRuleTags(step, segments, held, decision);
  await repo.recordSizes(transaction, workspaceId, decision.deltas, localDay(step));
  await scheduleTimers(transaction, workspaceId, repo.segmentTimerOwner, decision.timers);
  const names = new Map(segments.map((segment) => [segment.id, segment.name]));
  batch.derivedEvents.push(...membershipEvents(step, decision, names, causes));
}

/**
 * A rule tag is carried by exactly the members of the segment behind it: set for every member
 * evaluated, not only those who moved, since a merge may have carried a tag to a survivor.
 */
async function applyRuleTags(
  step: WorkspaceStep,
  segments: repo.StoredSegment[],
  held: Map<string, Set<string>>,
  decision: MembershipDecision,
) {
  const ruled = segments.filter((segment) => segment.tagId !== null);
  if (ruled.length === 0) return;
  const after = new Map([...held].map(([memberId, ids]) => [memberId, new Set(ids)]));
  for (const { segmentId, memberId } of decision.exited) after.get(memberId)?.delete(segmentId);
  for (const { segmentId, memberId } of decision.entered)
    after.set(memberId, (after.get(memberId) ?? new Set()).add(segmentId));
  const origin = { since: step.now, eventId: step.events[step.events.length - 1]?.id ?? '' };
  const memberIds = decision.timers.map((timer) => timer.subject);
  for (const segment of ruled) {
    const tagId = segment.tagId ?? '';
    const carriers = memberIds.filter((memberId) => after.get(memberId)?.has(segment.id));
    const others = memberIds.filter((memberId) => !after.get(memberId)?.has(segment.id));
    await tagsRepo.addMembers(step.batch.transaction, step.workspaceId, tagId, carriers, origin);
    await tagsRepo.removeMembers(step.batch.transaction, step.workspaceId, tagId, others);
  }
}

async function applyOperation(step: WorkspaceStep, event: LoggedEvent): Promise<void> {
  const transaction = step.batch.transaction;
  const deleted = readOperation(event.payload, 'segment-deleted', deletedOperationSchema);
  if (deleted) {
    const [segment] = await repo.readSegments(transaction, step.workspaceId, { id: deleted.segmentId });
    await repo.deleteSegment(transaction, step.workspaceId, deleted.segmentId);
    if (segment?.tagId) await tagsRepo.removeTagEverywhere(transaction, step.workspaceId, segment.tagId);
    // The last one gone: nothing is left for the timers the segments set to re-evaluate.
    const left = await repo.readSegments(transaction, step.workspaceId);
    if (left.length === 0) await clearTimers(transaction, repo.segmentTimerOwner, step.workspaceId);
    return;
  }
  const saved = readOperation(event.payload, 'segment-saved', savedOperationSchema)?.segment;
  if (!saved) return;
  // A name taken meanwhile by another segment: the save does not happen (the service reports it).
  const [sameName] = await repo.readSegments(transaction, step.workspaceId, { name: saved.name });
  if (sameName && sameName.id !== saved.id) return;
  const definition = saved.band ? await computeBandDefinition(step, saved.band) : saved.definition;
  const segment = { ...saved, definition, workspaceId: step.workspaceId, updatedAt: event.eventTime };
  await repo.saveSegment(transaction, segment);
  await materializeSegment(step, segment);
  if (saved.band) await scheduleBandRefresh(step, true);
  if (hasBirthdays(segment)) await scheduleBirthdayPass(step, true);
}

/** The daily RFM scoring, while any segment reads it. */
async function keepRfm(step: WorkspaceStep, segments: repo.StoredSegment[], currency: string): Promise<void> {
  if (segments.some((segment) => usesRfm(segment.definition))) await refreshRfm(step, currency);
  else await stopRfm(step);
}

/**
 * Keeps saved segments' membership: the affected members of each batch are re-evaluated in
 * memory against every segment of their workspace, and clock ticks re-evaluate members when a
 * window slides past an event or a date comes near. Entering and leaving are `Segment Entered` /
 * `Segment Exited` for the stages after it (journeys).
 */
export function createSegmentsStage(dependencies: { workspaces: WorkspaceService }): Stage {
  return {
    name: 'segments',
    async apply(batch) {
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const transaction = batch.transaction;
        const tick = events.length === 1 ? readClockTick(events[0]?.payload) : undefined;
        const segments = await repo.readSegments(transaction, workspaceId);
        const last = events[events.length - 1];
        const operation = last?.type === 'hearth_operation' && String(last.payload.operation).startsWith('segment-');
        if (segments.length === 0 && !operation && !tick) continue;
        const workspace = await dependencies.workspaces.get(workspaceId, transaction);
        if (!workspace) continue;
        const now = tick?.until ?? Math.max(...events.map((event) => event.receivedAt));
        const step: WorkspaceStep = { batch, workspaceId, timeZone: workspace.timezone, events, now };
        if (tick && (await rfmDue(step, tick.until))) await keepRfm(step, segments, workspace.currency);
        if (tick && (await bandsDue(step, tick.until))) await refreshBands(step, segments);
        if (tick) await runBirthdayPass(step, segments, tick.until);
        const saving =
          operation && last ? readOperation(last.payload, 'segment-saved', savedOperationSchema) : undefined;
        if (saving && usesRfm(saving.segment.definition)) await refreshRfm(step, workspace.currency);
        if (segments.length > 0) {
          const due = tick
            ? await readDueSubjects(transaction, workspaceId, repo.segmentTimerOwner, tick.until, tick.limit)
            : [];
          await reevaluateMembers(step, segments, due);
        } else if (tick) {
          // No segment left, yet segment timers fall due: a database from before deleting the last
          // segment cleared them. Each would otherwise bring a tick every second, for nothing.
          const due = await readDueSubjects(transaction, workspaceId, repo.segmentTimerOwner, tick.until, tick.limit);
          const cleared = due.map((subject) => ({ subject, dueAt: null }));
          await scheduleTimers(transaction, workspaceId, repo.segmentTimerOwner, cleared);
        }
        if (operation && last) await applyOperation(step, last);
      }
    },
    reset: (transaction) => repo.resetSegments(transaction),
  };
}
