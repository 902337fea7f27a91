import { z } from 'zod';
import type { DbTransaction } from '../../platform/db/database.ts';
import { readOperation } from '../../platform/processor/operations.ts';
import {
  groupByWorkspace,
  type DerivedEvent,
  type LoggedEvent,
  type ProcessingBatch,
  type Stage,
} from '../../platform/processor/stage.ts';
import { readClockTick } from '../../platform/timers/clock-tick.ts';
import { readDueSubjects, scheduleTimers } from '../../platform/timers/timers.repo.ts';
import { isRecord } from '../../platform/values.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { defaultLifeStageLevels, lifeStageLevelsSchema, type LifeStageLevel } from './life-stage-levels.schema.ts';
import { diffStages, evaluateChildren, readChildren, type ChildStage } from './life-stages.ts';
import * as repo from './life-stages.repo.ts';

export interface TraitReader {
  /** The members' traits as profiles holds them after this batch. */
  traits(transaction: DbTransaction, memberIds: string[]): Promise<Map<string, Record<string, unknown>>>;
}

/** Operators change the levels through the log; the change ends its batch (see the processor). */
export function levelsOperationPayload(levels: LifeStageLevel[]) {
  return { operation: 'life-stage-levels', levels, endsBatch: true };
}

const levelsOperationSchema = z.object({ levels: lifeStageLevelsSchema });

function readLevelsOperation(payload: Record<string, unknown>): LifeStageLevel[] | undefined {
  return readOperation(payload, 'life-stage-levels', levelsOperationSchema)?.levels;
}

/** Only a `children` trait moves a stage between clock ticks; other events cost this stage nothing. */
function carriesChildren(event: LoggedEvent): boolean {
  const context = isRecord(event.payload.context) ? event.payload.context : {};
  const traits = [event.payload.traits, context.traits];
  return traits.some((value) => isRecord(value) && value.children !== undefined);
}

/** Each member to evaluate, with the time to evaluate at (their latest such event, or the tick) and its cause. */
function membersToEvaluate(batch: ProcessingBatch, events: LoggedEvent[], due: string[], until: number | undefined) {
  const at = new Map<string, number>();
  const cause = new Map<string, string>();
  const first = events[0]?.id ?? '';
  for (const memberId of due) {
    at.set(memberId, until ?? 0);
    cause.set(memberId, first);
  }
  for (const event of events) {
    if (!event.memberId || !carriesChildren(event)) continue;
    at.set(event.memberId, Math.max(at.get(event.memberId) ?? event.eventTime, event.eventTime));
    if (!cause.has(event.memberId)) cause.set(event.memberId, event.id);
  }
  const byId = new Map(events.map((event) => [event.id, event]));
  const merged = new Set<string>();
  // Only this workspace's merges: their causing event is one of its events.
  for (const merge of batch.merges) {
    const mergeEvent = byId.get(merge.eventId);
    if (!mergeEvent) continue;
    merged.add(merge.mergedId);
    at.set(merge.survivorId, Math.max(at.get(merge.survivorId) ?? 0, mergeEvent.eventTime));
    if (!cause.has(merge.survivorId)) cause.set(merge.survivorId, mergeEvent.id);
  }
  for (const id of merged) at.delete(id);
  return { at, merged, cause };
}

interface WorkspaceStep {
  batch: ProcessingBatch;
  workspaceId: string;
  timeZone: string;
  events: LoggedEvent[];
  traits: TraitReader;
}

async function evaluateWorkspace(step: WorkspaceStep, due: string[], until: number | undefined): Promise<void> {
  const { batch, workspaceId, timeZone, events } = step;
  const transaction = batch.transaction;
  const { at, merged, cause } = membersToEvaluate(batch, events, due, until);
  if (at.size === 0 && merged.size === 0) return;
  const levels = (await repo.readLevels(transaction, workspaceId)) ?? defaultLifeStageLevels;
  const memberIds = [...at.keys()];
  const [traits, held] = await Promise.all([
    step.traits.traits(transaction, memberIds),
    repo.loadChildStages(transaction, workspaceId, [...memberIds, ...merged]),
  ]);
  const saved = new Map<string, ChildStage[]>([...merged].map((id) => [id, []]));
  const timers = [...merged].map((subject) => ({ subject, dueAt: null as number | null }));
  for (const [memberId, moment] of at) {
    const children = readChildren(traits.get(memberId) ?? {});
    const { stages: now, nextChangeAt } = evaluateChildren(children, levels, moment, timeZone);
    saved.set(memberId, now);
    batch.changedMembers.add(memberId);
    timers.push({ subject: memberId, dueAt: nextChangeAt });
    for (const change of diffStages(held.get(memberId) ?? [], now, moment)) {
      batch.derivedEvents.push(lifeStageChanged(workspaceId, memberId, change, cause.get(memberId) ?? ''));
    }
  }
  await repo.saveChildStages(transaction, workspaceId, saved);
  await scheduleTimers(transaction, workspaceId, repo.lifeStageTimerOwner, timers);
}

function lifeStageChanged(
  workspaceId: string,
  memberId: string,
  change: ReturnType<typeof diffStages>[number],
  causeEventId: string,
): DerivedEvent {
  return {
    workspaceId,
    memberId,
    name: 'Life Stage Changed',
    at: change.at,
    properties: { child: change.childKey, from: change.from, to: change.to },
    causeEventId,
  };
}

/** New levels: every member with children is re-evaluated by the next clock ticks. */
async function applyLevels(step: WorkspaceStep, levels: LifeStageLevel[], event: LoggedEvent): Promise<void> {
  const transaction = step.batch.transaction;
  await repo.saveLevels(transaction, step.workspaceId, levels, event.id);
  const members = await repo.membersWithChildren(transaction, step.workspaceId);
  const timers = members.map((subject) => ({ subject, dueAt: event.eventTime }));
  await scheduleTimers(transaction, step.workspaceId, repo.lifeStageTimerOwner, timers);
}

/**
 * Keeps each child's life stage: re-evaluated when a member's `children` change, and by clock
 * ticks when the child's age crosses into the next level, at day precision in the workspace time
 * zone. Emits `Life Stage Changed` to the stages after it.
 */
export function createLifeStagesStage(dependencies: { workspaces: WorkspaceService; traits: TraitReader }): Stage {
  return {
    name: 'life-stages',
    async apply(batch) {
      const byWorkspace = groupByWorkspace(batch.events);
      for (const [workspaceId, events] of byWorkspace) {
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        const step = { batch, workspaceId, timeZone: workspace.timezone, events, traits: dependencies.traits };
        const tick = events.length === 1 ? readClockTick(events[0]?.payload) : undefined;
        const due = tick
          ? await readDueSubjects(batch.transaction, workspaceId, repo.lifeStageTimerOwner, tick.until, tick.limit)
          : [];
        await evaluateWorkspace(step, due, tick?.until);
        const last = events[events.length - 1];
        const levels = last ? readLevelsOperation(last.payload) : undefined;
        if (last && levels) await applyLevels(step, levels, last);
      }
    },
    reset: (transaction) => repo.resetLifeStages(transaction),
  };
}
