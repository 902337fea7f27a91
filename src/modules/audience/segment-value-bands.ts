import { DateTime } from 'luxon';
import { sql } from 'kysely';
import { readDueSubjects, scheduleTimers } from '../../platform/timers/timers.repo.ts';
import type { SegmentDefinition } from './segment-definition.schema.ts';
import { materializeSegment, type WorkspaceStep } from './segment-materialization.ts';
import { jsonReader } from './segment-sql-values.ts';
import * as repo from './segments.repo.ts';
import { bandDefinition, type ValueBand } from './value-bands.ts';

const { valueBandTimerOwner } = repo;
const workspaceSubject = 'workspace';

/** Every live member's positive value of the measure, sorted, read as the SQL compiler reads features. */
async function positiveValues(step: WorkspaceStep, measure: ValueBand['measure']): Promise<number[]> {
  const reader = jsonReader(step.batch.dialect);
  const feature = (name: string) => reader.numberOrZero({ document: sql`m.features`, keys: [name] });
  const value = measure === 'netSpend' ? sql`(${feature('totalSpend')} - ${feature('refundTotal')})` : feature(measure);
  const rows = await step.batch.transaction
    .selectFrom('members as m')
    .select(sql<number>`${value}`.as('value'))
    .where('m.workspace_id', '=', step.workspaceId)
    .where('m.merged_into', 'is', null)
    .where(sql<boolean>`${value} > 0`)
    .orderBy('value')
    .execute();
  return rows.map((row) => Number(row.value));
}

export async function computeBandDefinition(step: WorkspaceStep, band: ValueBand): Promise<SegmentDefinition> {
  return bandDefinition(band, await positiveValues(step, band.measure));
}

export async function bandsDue(step: WorkspaceStep, until: number): Promise<boolean> {
  const due = await readDueSubjects(step.batch.transaction, step.workspaceId, valueBandTimerOwner, until, 1);
  return due.length > 0;
}

/** Value bands are cut again at every local midnight while any exists. */
export async function scheduleBandRefresh(step: WorkspaceStep, anyBands: boolean): Promise<void> {
  const next = DateTime.fromMillis(step.now, { zone: step.timeZone }).startOf('day').plus({ days: 1 });
  await scheduleTimers(step.batch.transaction, step.workspaceId, valueBandTimerOwner, [
    { subject: workspaceSubject, dueAt: anyBands ? next.toMillis() : null },
  ]);
}

/**
 * The day's cut points for every value-band segment; a segment whose cuts moved is evaluated
 * over everyone again (its members move without `Segment Entered`/`Exited`: the band moved,
 * not the members).
 */
export async function refreshBands(step: WorkspaceStep, segments: readonly repo.StoredSegment[]): Promise<void> {
  const banded = segments.filter((segment) => segment.band !== null);
  for (const segment of banded) {
    const definition = await computeBandDefinition(step, segment.band as ValueBand);
    if (JSON.stringify(definition) === JSON.stringify(segment.definition)) continue;
    const updated = { ...segment, definition, updatedAt: step.now };
    await repo.saveSegment(step.batch.transaction, updated);
    await materializeSegment(step, updated);
  }
  await scheduleBandRefresh(step, banded.length > 0);
}
