import { DateTime } from 'luxon';
import { readDueSubjects, scheduleTimers } from '../../platform/timers/timers.repo.ts';
import type { WorkspaceStep } from './segment-materialization.ts';
import { birthdayLeaves, seedBirthdayTimers } from './segment-timer-seeds.ts';
import { birthdayTimerOwner, type StoredSegment } from './segments.repo.ts';

const workspaceSubject = 'workspace';

/**
 * The daily birthday pass: at each local midnight, the members whose birthday enters a
 * segment's window by the next midnight get their timer (only those near are worked out, so a
 * birthday segment over a million members costs a few thousand members a day).
 */
export async function scheduleBirthdayPass(step: WorkspaceStep, someSegmentUsesBirthdays: boolean): Promise<void> {
  const next = DateTime.fromMillis(step.now, { zone: step.timeZone }).startOf('day').plus({ days: 1 });
  await scheduleTimers(step.batch.transaction, step.workspaceId, birthdayTimerOwner, [
    { subject: workspaceSubject, dueAt: someSegmentUsesBirthdays ? next.toMillis() : null },
  ]);
}

export function hasBirthdays(segment: Pick<StoredSegment, 'definition'>): boolean {
  return birthdayLeaves(segment.definition).length > 0;
}

export async function runBirthdayPass(step: WorkspaceStep, segments: readonly StoredSegment[], until: number) {
  const due = await readDueSubjects(step.batch.transaction, step.workspaceId, birthdayTimerOwner, until, 1);
  if (due.length === 0) return;
  const context = {
    dialect: step.batch.dialect,
    workspaceId: step.workspaceId,
    now: step.now,
    timeZone: step.timeZone,
  };
  const withBirthdays = segments.filter(hasBirthdays);
  for (const segment of withBirthdays) await seedBirthdayTimers(step.batch.transaction, context, segment.definition);
  await scheduleBirthdayPass(step, withBirthdays.length > 0);
}
