import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { processThrough } from '../../platform/processor/catch-up.ts';
import type { Processor } from '../../platform/processor/processor.ts';
import { createId } from '../../platform/ids.ts';
import { appendOperation } from '../ingest/operation-events.ts';
import type { EventLogWriter } from '../ingest/event-log-writer.ts';
import { defaultLifeStageLevels, type LifeStageLevel } from './life-stage-levels.schema.ts';
import * as repo from './life-stages.repo.ts';
import { levelsOperationPayload } from './life-stages.stage.ts';

export interface LifeStagesService {
  levels(workspaceId: string): Promise<{ levels: LifeStageLevel[]; custom: boolean }>;
  saveLevels(workspaceId: string, levels: LifeStageLevel[]): Promise<{ levels: LifeStageLevel[]; custom: boolean }>;
  distribution(workspaceId: string): Promise<{
    stages: Array<{ id: string; name: string; members: number }>;
    withoutStage: number;
  }>;
  memberStages(
    workspaceId: string,
    memberId: string,
  ): Promise<Array<{ child: string; stage: { id: string; name: string } | null; since: string | null }>>;
}

export function createLifeStagesService(dependencies: {
  database: Database;
  clock: Clock;
  writer: EventLogWriter;
  processor: Processor;
}): LifeStagesService {
  const { database } = dependencies;

  async function levels(workspaceId: string) {
    const custom = await repo.readLevels(database.db, workspaceId);
    return { levels: custom ?? defaultLifeStageLevels, custom: custom !== null };
  }

  async function saveLevels(workspaceId: string, proposed: LifeStageLevel[]) {
    const now = dependencies.clock.now();
    const stored = await appendOperation(dependencies, {
      workspaceId,
      messageId: `life-stage-levels-${createId(now)}`,
      eventName: 'Life Stage Levels Changed',
      payload: levelsOperationPayload(proposed),
      now,
    });
    await processThrough(dependencies.processor, stored.seq);
    return levels(workspaceId);
  }

  async function distribution(workspaceId: string) {
    const counts = await repo.countMembersByStage(database.db, workspaceId);
    const current = (await levels(workspaceId)).levels;
    return {
      stages: current.map((level) => ({ id: level.id, name: level.name, members: counts.get(level.id) ?? 0 })),
      withoutStage: counts.get(null) ?? 0,
    };
  }

  async function memberStages(workspaceId: string, memberId: string) {
    const names = new Map((await levels(workspaceId)).levels.map((level) => [level.id, level.name]));
    const stages = (await repo.loadChildStages(database.db, workspaceId, [memberId])).get(memberId) ?? [];
    return stages.map((stage) => ({
      child: stage.childKey,
      stage: stage.stageId === null ? null : { id: stage.stageId, name: names.get(stage.stageId) ?? stage.stageId },
      since: stage.since === null ? null : new Date(stage.since).toISOString(),
    }));
  }

  return { levels, saveLevels, distribution, memberStages };
}
