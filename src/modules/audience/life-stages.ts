import { DateTime, IANAZone } from 'luxon';
import { dayMilliseconds } from '../../platform/clock.ts';
import { isRecord } from '../../platform/values.ts';
import { localDayNumber } from './analysis-window.ts';
import type { LifeOffset, LifeStageLevel } from './life-stage-levels.schema.ts';

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
  /** The stage the child moves to next (null: none) and the local midnight it happens; null when nothing changes. */
  nextStageId: string | null;
  nextStageAt: number | null;
}

const datePattern = /^(\d{4}-\d{2}-\d{2})(T.*)?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A real calendar date (no 2025-02-30), checked by arithmetic: children are read at every evaluation. */
function dateOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const day = datePattern.exec(value.trim())?.[1];
  if (!day) return undefined;
  const [year = 0, month = 0, date = 0] = day.split('-').map(Number);
  return month >= 1 && month <= 12 && date >= 1 && date <= daysInMonth(year, month) ? day : undefined;
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
  /** Local calendar days (days since 1970-01-01): the stage runs from the first to before the second. */
  startDay: number;
  endDay: number;
}

/**
 * The calendar day `offset` after a date, as luxon's `plus` counts it: years and months first
 * (the day clamped to the month's end), then weeks and days. Plain arithmetic, because a child's
 * stages are computed on every evaluation and time-zone maths is costly.
 */
function shiftDay([year, month, day]: readonly [number, number, number], offset: LifeOffset): number {
  const months = month - 1 + (offset.years ?? 0) * 12 + (offset.months ?? 0);
  const shiftedYear = year + Math.floor(months / 12);
  const shiftedMonth = ((months % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(shiftedYear, shiftedMonth + 1, 0)).getUTCDate();
  const start = Date.UTC(shiftedYear, shiftedMonth, Math.min(day, lastDay)) / dayMilliseconds;
  return start + (offset.weeks ?? 0) * 7 + (offset.days ?? 0);
}

function boundariesOf(child: Child, levels: readonly LifeStageLevel[]): Boundaries[] {
  const [year = 0, month = 1, day = 1] = child.reference.split('-').map(Number);
  const reference = [year, month, day] as const;
  return levels.map((level) => ({
    level,
    startDay: shiftDay(reference, level.from),
    endDay: shiftDay(reference, level.until),
  }));
}

/**
 * Local midnights already computed, per time zone: a pure function of (day, zone), asked for the
 * same few thousand days (children's dates and their stage boundaries) over and over, and time-zone
 * maths is the costly part of an evaluation. Bounded, so a long-running process cannot grow it forever.
 */
const knownMidnights = new Map<string, Map<number, number>>();
const maxKnownMidnights = 200_000;

/** Local midnight of a calendar day in the time zone, as an instant. */
function midnightOf(day: number, timeZone: string): number {
  let known = knownMidnights.get(timeZone);
  if (!known) knownMidnights.set(timeZone, (known = new Map()));
  const cached = known.get(day);
  if (cached !== undefined) return cached;
  const date = new Date(day * dayMilliseconds);
  const midnight = DateTime.fromObject(
    { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() },
    { zone: timeZone },
  ).toMillis();
  if (known.size >= maxKnownMidnights) known.clear();
  known.set(day, midnight);
  return midnight;
}

function localDayOf(at: number, timeZone: string): number {
  return localDayNumber(at, IANAZone.create(timeZone));
}

function levelOn(boundaries: readonly Boundaries[], day: number): Boundaries | undefined {
  return boundaries.find((bounds) => bounds.startDay <= day && day < bounds.endDay);
}

export function stageAt(child: Child, levels: readonly LifeStageLevel[], at: number, timeZone: string): ChildStage {
  return stageOn(child.key, boundariesOf(child, levels), localDayOf(at, timeZone), timeZone);
}

function stageOn(childKey: string, boundaries: readonly Boundaries[], today: number, timeZone: string): ChildStage {
  const current = levelOn(boundaries, today);
  const changes = boundaries.flatMap(({ startDay, endDay }) => [startDay, endDay]).filter((day) => day > today);
  const nextDay = changes.length > 0 ? Math.min(...changes) : undefined;
  return {
    childKey,
    stageId: current?.level.id ?? null,
    since: current ? midnightOf(current.startDay, timeZone) : null,
    nextStageId: nextDay === undefined ? null : (levelOn(boundaries, nextDay)?.level.id ?? null),
    nextStageAt: nextDay === undefined ? null : midnightOf(nextDay, timeZone),
  };
}

/** The next instant after `at` when any child's stage changes (a local midnight); null when none will. */
export function nextStageChange(
  children: readonly Child[],
  levels: readonly LifeStageLevel[],
  at: number,
  timeZone: string,
): number | null {
  return nextChangeOn(
    children.map((child) => boundariesOf(child, levels)),
    localDayOf(at, timeZone),
    timeZone,
  );
}

function nextChangeOn(boundariesOfChildren: ReadonlyArray<readonly Boundaries[]>, today: number, timeZone: string) {
  let next: number | null = null;
  for (const boundaries of boundariesOfChildren) {
    for (const { startDay, endDay } of boundaries) {
      for (const day of [startDay, endDay]) if (day > today && (next === null || day < next)) next = day;
    }
  }
  return next === null ? null : midnightOf(next, timeZone);
}

/**
 * A member's children at an instant: each child's stage and the next instant any of them changes,
 * as `stageAt` and `nextStageChange` give them, with the day and each child's boundaries worked out once.
 */
export function evaluateChildren(
  children: readonly Child[],
  levels: readonly LifeStageLevel[],
  at: number,
  timeZone: string,
): { stages: ChildStage[]; nextChangeAt: number | null } {
  const today = localDayOf(at, timeZone);
  const boundariesOfChildren = children.map((child) => boundariesOf(child, levels));
  return {
    stages: children.map((child, index) => stageOn(child.key, boundariesOfChildren[index] ?? [], today, timeZone)),
    nextChangeAt: nextChangeOn(boundariesOfChildren, today, timeZone),
  };
}

export interface StageChange {
  childKey: string;
  from: string | null;
  to: string | null;
  at: number;
}

/** What changed between the stages held and the stages now; a child gone counts as leaving its stage. */
type HeldStage = Pick<ChildStage, 'childKey' | 'stageId' | 'since'>;

export function diffStages(held: readonly HeldStage[], now: readonly HeldStage[], at: number): StageChange[] {
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
