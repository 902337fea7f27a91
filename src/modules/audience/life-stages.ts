import { DateTime } from 'luxon';
import { isRecord } from '../../platform/values.ts';
import type { LifeStageLevel } from './life-stage-levels.schema.ts';

/** A child as the member described them (`children` trait): born, or expected. */
export interface Child {
  /** Stable within the member: the child's place in the list. */
  key: string;
  /** The local date the stages count from: the birth date, or else the due date. */
  reference: string;
  born: boolean;
}

export interface ChildStage {
  childKey: string;
  stageId: string | null;
  /** When the stage began (null without a stage): a fact of the child's dates, not of when Hearth looked. */
  since: number | null;
}

const datePattern = /^(\d{4}-\d{2}-\d{2})(T.*)?$/;

function dateOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const day = datePattern.exec(value.trim())?.[1];
  return day && DateTime.fromISO(day).isValid ? day : undefined;
}

/** `children: [{birthDate | dueDate, gender?, name?}]`; entries with neither date are skipped. */
export function readChildren(traits: Record<string, unknown>): Child[] {
  const list = Array.isArray(traits.children) ? traits.children : [];
  const children: Child[] = [];
  list.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const birth = dateOf(entry.birthDate ?? entry.birthday);
    const due = dateOf(entry.dueDate);
    const reference = birth ?? due;
    if (reference) children.push({ key: `child-${index + 1}`, reference, born: birth !== undefined });
  });
  return children;
}

interface Boundaries {
  level: LifeStageLevel;
  start: number;
  end: number;
}

/** Each level's start and end for this child, at local midnight in the workspace time zone. */
function boundariesOf(child: Child, levels: readonly LifeStageLevel[], timeZone: string): Boundaries[] {
  const birth = DateTime.fromISO(child.reference, { zone: timeZone }).startOf('day');
  return levels.map((level) => ({
    level,
    start: birth.plus(level.from).toMillis(),
    end: birth.plus(level.until).toMillis(),
  }));
}

export function stageAt(child: Child, levels: readonly LifeStageLevel[], at: number, timeZone: string): ChildStage {
  const current = boundariesOf(child, levels, timeZone).find((bounds) => bounds.start <= at && at < bounds.end);
  return { childKey: child.key, stageId: current?.level.id ?? null, since: current?.start ?? null };
}

/** The next instant after `at` when any child's stage changes; null when none will. */
export function nextStageChange(
  children: readonly Child[],
  levels: readonly LifeStageLevel[],
  at: number,
  timeZone: string,
): number | null {
  let next: number | null = null;
  for (const child of children) {
    for (const { start, end } of boundariesOf(child, levels, timeZone)) {
      for (const moment of [start, end]) if (moment > at && (next === null || moment < next)) next = moment;
    }
  }
  return next;
}

export interface StageChange {
  childKey: string;
  from: string | null;
  to: string | null;
  at: number;
}

/** What changed between the stages held and the stages now; a child gone counts as leaving its stage. */
export function diffStages(held: readonly ChildStage[], now: readonly ChildStage[], at: number): StageChange[] {
  const before = new Map(held.map((stage) => [stage.childKey, stage]));
  const changes: StageChange[] = [];
  for (const stage of now) {
    const previous = before.get(stage.childKey);
    before.delete(stage.childKey);
    if ((previous?.stageId ?? null) !== stage.stageId) {
      changes.push({
        childKey: stage.childKey,
        from: previous?.stageId ?? null,
        to: stage.stageId,
        at: stage.since ?? at,
      });
    }
  }
  for (const gone of before.values()) {
    if (gone.stageId !== null) changes.push({ childKey: gone.childKey, from: gone.stageId, to: null, at });
  }
  return changes;
}
