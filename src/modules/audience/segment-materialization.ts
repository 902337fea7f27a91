import { sql, type Expression, type SqlBool } from 'kysely';
import { DateTime } from 'luxon';
import type { DbTransaction } from '../../platform/db/database.ts';
import type { LoggedEvent, ProcessingBatch } from '../../platform/processor/stage.ts';
import type { SegmentDefinition } from './segment-definition.schema.ts';
import { seedTimers } from './segment-timer-seeds.ts';
import { compileDefinition } from './segment-sql.ts';
import * as repo from './segments.repo.ts';

export interface WorkspaceStep {
  batch: ProcessingBatch;
  workspaceId: string;
  timeZone: string;
  events: LoggedEvent[];
  /** The instant the batch is evaluated at: when its latest event arrived (a tick: the time it reached). */
  now: number;
}

export function localDay(step: Pick<WorkspaceStep, 'now' | 'timeZone'>): string {
  return DateTime.fromMillis(step.now, { zone: step.timeZone }).toISODate() ?? '';
}

interface Target {
  transaction: DbTransaction;
  workspaceId: string;
  segmentId: string;
  now: number;
}

/** Live members of the workspace matching the compiled definition (alias `m`). */
function matchingMembers(target: Target, matches: Expression<SqlBool>) {
  return target.transaction
    .selectFrom('members as m')
    .where('m.workspace_id', '=', target.workspaceId)
    .where('m.merged_into', 'is', null)
    .where(matches);
}

/** Members who no longer match leave; those who newly match join, keeping everyone else's `since`. */
async function replaceMembership(target: Target, matches: Expression<SqlBool>): Promise<void> {
  const { transaction, workspaceId, segmentId, now } = target;
  await transaction
    .deleteFrom('segment_members')
    .where('segment_id', '=', segmentId)
    .where(({ not, exists }) =>
      not(
        exists(
          matchingMembers(target, matches)
            .select(sql.lit(1).as('one'))
            .where(sql<SqlBool>`m.id = segment_members.member_id`),
        ),
      ),
    )
    .execute();
  await transaction
    .insertInto('segment_members')
    .columns(['workspace_id', 'segment_id', 'member_id', 'since'])
    .expression(
      matchingMembers(target, matches)
        .select([
          sql<string>`cast(${workspaceId} as text)`.as('workspace_id'),
          sql<string>`cast(${segmentId} as text)`.as('segment_id'),
          'm.id',
          sql<number>`cast(${now} as bigint)`.as('since'),
        ])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('segment_members as held')
                .select(sql.lit(1).as('one'))
                .where('held.segment_id', '=', segmentId)
                .whereRef('held.member_id', '=', 'm.id'),
            ),
          ),
        ),
    )
    .execute();
}

/** A rule tag's carriers become exactly the segment's members. */
async function copyToTag(target: Target, tagId: string, eventId: string): Promise<void> {
  const { transaction, workspaceId, segmentId } = target;
  await transaction
    .deleteFrom('member_tags')
    .where('workspace_id', '=', workspaceId)
    .where('tag_id', '=', tagId)
    .execute();
  await transaction
    .insertInto('member_tags')
    .columns(['workspace_id', 'tag_id', 'member_id', 'since', 'event_id'])
    .expression(
      transaction
        .selectFrom('segment_members')
        .select([
          'workspace_id',
          sql<string>`cast(${tagId} as text)`.as('tag_id'),
          'member_id',
          'since',
          sql<string>`cast(${eventId} as text)`.as('event_id'),
        ])
        .where('segment_id', '=', segmentId),
    )
    .execute();
}

/**
 * A saved (or redefined) segment's whole population, evaluated at once by its SQL form at the
 * moment it was saved. Its first members are not announced as `Segment Entered`: only changes
 * after the segment exists are events.
 */
export async function materializeSegment(
  step: WorkspaceStep,
  segment: { id: string; definition: SegmentDefinition; tagId: string | null },
): Promise<void> {
  const { batch, workspaceId, now, timeZone } = step;
  const target: Target = { transaction: batch.transaction, workspaceId, segmentId: segment.id, now };
  const matches = compileDefinition(segment.definition, { workspaceId, now, timeZone, dialect: batch.dialect });
  await replaceMembership(target, matches);
  if (segment.tagId) await copyToTag(target, segment.tagId, step.events[step.events.length - 1]?.id ?? '');
  await repo.countSize(batch.transaction, segment.id);
  await repo.recordSizes(batch.transaction, workspaceId, new Map([[segment.id, 0]]), localDay(step));
  await seedTimers(batch.transaction, { dialect: batch.dialect, workspaceId, now, timeZone }, segment.definition);
}
