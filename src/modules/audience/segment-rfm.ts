import { DateTime, IANAZone } from 'luxon';
import { chunks } from '../../platform/db/chunks.ts';
import { readDueSubjects, scheduleTimers } from '../../platform/timers/timers.repo.ts';
import { currencyDigits } from '../profiles/orders.ts';
import { localDayNumber, resolveWindow, type AnalysisWindow } from './analysis-window.ts';
import type { DbExecutor } from '../../platform/db/database.ts';
import { loadCustomerOrders } from './customer-activity.repo.ts';
import { defaultRfmSegments, scoreMembers } from './rfm.ts';
import type { SegmentDefinition } from './segment-definition.schema.ts';
import type { WorkspaceStep } from './segment-materialization.ts';

export const rfmTimerOwner = 'rfm';
const workspaceSubject = 'workspace';

export function usesRfm(definition: SegmentDefinition): boolean {
  if (definition.type === 'and' || definition.type === 'or') return definition.conditions.some(usesRfm);
  if (definition.type === 'not') return usesRfm(definition.condition);
  return definition.type === 'rfm';
}

export async function rfmDue(step: WorkspaceStep, until: number): Promise<boolean> {
  const due = await readDueSubjects(step.batch.transaction, step.workspaceId, rfmTimerOwner, until, 1);
  return due.length > 0;
}

async function saveChanges(step: WorkspaceStep, scored: Map<string, { segment: string; score: number }>) {
  const transaction = step.batch.transaction;
  const held = await transaction
    .selectFrom('member_rfm')
    .select(['member_id', 'segment', 'score'])
    .where('workspace_id', '=', step.workspaceId)
    .execute();
  const heldOf = new Map(held.map((row) => [row.member_id, row]));
  const gone = held.filter((row) => !scored.has(row.member_id)).map((row) => row.member_id);
  const rows = [...scored]
    .filter(([memberId, now]) => {
      const before = heldOf.get(memberId);
      return !before || before.segment !== now.segment || Number(before.score) !== now.score;
    })
    .map(([memberId, now]) => ({
      workspace_id: step.workspaceId,
      member_id: memberId,
      segment: now.segment,
      score: now.score,
      scored_at: step.now,
    }));
  for (const chunk of chunks(gone)) {
    await transaction
      .deleteFrom('member_rfm')
      .where('workspace_id', '=', step.workspaceId)
      .where('member_id', 'in', chunk)
      .execute();
  }
  for (const chunk of chunks(rows, 200)) {
    await transaction
      .insertInto('member_rfm')
      .values(chunk)
      .onConflict((conflict) =>
        conflict.columns(['workspace_id', 'member_id']).doUpdateSet((expression) => ({
          segment: expression.ref('excluded.segment'),
          score: expression.ref('excluded.score'),
          scored_at: expression.ref('excluded.scored_at'),
        })),
      )
      .execute();
  }
  const moved = rows.filter((row) => heldOf.get(row.member_id)?.segment !== row.segment).map((row) => row.member_id);
  return [...moved, ...gone];
}

/**
 * Scores every customer of the workspace as of `step.now` (all their completed orders, R-compatible
 * scoring with the default named segments) and schedules the next scoring at the next local
 * midnight. Members whose segment changed are handed to the segments stage for re-evaluation.
 */
export async function refreshRfm(step: WorkspaceStep, currency: string): Promise<void> {
  const zone = IANAZone.create(step.timeZone);
  const window = { from: null, until: step.now + 1, asOfDay: localDayNumber(step.now, zone) };
  const members = await scoreCustomers(step.batch.transaction, step.workspaceId, currency, window, zone);
  const scored = new Map(
    members.map((member) => [
      member.memberId,
      {
        segment: member.segment,
        score: member.scores.recency * 100 + member.scores.frequency * 10 + member.scores.monetary,
      },
    ]),
  );
  for (const memberId of await saveChanges(step, scored)) step.batch.changedMembers.add(memberId);
  const nextMidnight = DateTime.fromMillis(step.now, { zone: step.timeZone }).startOf('day').plus({ days: 1 });
  await scheduleTimers(step.batch.transaction, step.workspaceId, rfmTimerOwner, [
    { subject: workspaceSubject, dueAt: nextMidnight.toMillis() },
  ]);
}

async function scoreCustomers(
  db: DbExecutor,
  workspaceId: string,
  currency: string,
  window: AnalysisWindow,
  zone: IANAZone,
) {
  const customers = await loadCustomerOrders(db, workspaceId, currency, window);
  const unit = 10 ** currencyDigits(currency);
  return scoreMembers(customers, { asOfDay: window.asOfDay, zone, unit, rules: defaultRfmSegments }).members;
}

/**
 * Each customer's RFM segment as the analysis of today (`GET /api/analytics/rfm` with today's date)
 * scores it: what a preview shows, whether or not a saved segment keeps the daily scoring.
 */
export async function scoreRfmToday(
  db: DbExecutor,
  workspace: { id: string; currency: string; timezone: string },
  now: number,
): Promise<Map<string, string>> {
  const today = DateTime.fromMillis(now, { zone: workspace.timezone }).toISODate() ?? '';
  const { window, zone } = resolveWindow({ asOf: today }, workspace.timezone);
  const members = await scoreCustomers(db, workspace.id, workspace.currency, window, zone);
  return new Map(members.map((member) => [member.memberId, member.segment]));
}

/** No segment reads RFM any more: the daily scoring stops until one does. */
export async function stopRfm(step: WorkspaceStep): Promise<void> {
  await scheduleTimers(step.batch.transaction, step.workspaceId, rfmTimerOwner, [
    { subject: workspaceSubject, dueAt: null },
  ]);
}
