import { sql, type RawBuilder } from 'kysely';
import { dayMilliseconds } from '../../platform/clock.ts';
import { chunks } from '../../platform/db/chunks.ts';
import type { ConditionOf, EventMatch, SegmentDefinition } from './segment-definition.schema.ts';
import { upcomingMonthDays } from './segment-facts.ts';
import type { DbExecutor, DialectName } from '../../platform/db/database.ts';
import { eventMatches, type EventScope } from './segment-sql-events.ts';
import { allOf, anyOf, jsonReader } from './segment-sql-values.ts';
import { expandShorthands } from './segment-shorthands.ts';
import { segmentTimerOwner } from './segments.repo.ts';

/**
 * When a segment is saved, the members whose answer time alone will change get a timer at the
 * first moment it may: the same instants `nextChangeAt` finds, computed here in SQL over
 * everyone at once (a member's own evaluation then sets their precise next one). A timer a
 * little early costs one evaluation; one too late would be a missed change, so each is the
 * earliest candidate.
 */

type Seed = RawBuilder<unknown>;

interface Scope extends EventScope {
  timeZone: string;
}

/** Each member's earliest matching event newer than `now − shift`, as the instant `time + shift`. */
function eventSeed(scope: Scope, match: EventMatch, shift: number): Seed {
  const where = allOf([
    ...eventMatches(scope, 'e', match),
    sql`em.workspace_id = ${scope.workspaceId}`,
    sql`e.event_time > ${Math.floor(scope.now - shift)}`,
  ]);
  return sql`select em.member_id, min(e.event_time) + ${shift} as due from events as e join event_members as em on em.seq = e.seq where ${where} group by em.member_id`;
}

function windowShifts(window: { lastDays?: number | undefined; olderThanDays?: number | undefined }): number[] {
  const shifts: number[] = [];
  // Bounds are `>= now − lastDays` and `< now − olderThanDays`: a time crosses one a millisecond after.
  if (window.lastDays !== undefined) shifts.push(window.lastDays * dayMilliseconds + 1);
  if (window.olderThanDays !== undefined) shifts.push(window.olderThanDays * dayMilliseconds + 1);
  return shifts;
}

function featureSeed(scope: Scope, leaf: ConditionOf<'feature-date'>, shift: number): Seed {
  const value = jsonReader(scope.dialect).numberOrNull({ document: sql`m.features`, keys: [leaf.name] });
  return sql`select m.id as member_id, ${value} + ${shift} as due from members as m
    where m.workspace_id = ${scope.workspaceId} and m.merged_into is null and ${value} + ${shift} > ${scope.now}`;
}

function stageSeed(scope: Scope, leaf: ConditionOf<'life-stage'>, within: number): Seed {
  const shift = within * dayMilliseconds;
  return sql`select s.member_id, s.next_stage_at - ${shift} as due from member_life_stages as s
    where s.workspace_id = ${scope.workspaceId} and s.next_stage_id = ${leaf.stage}
      and s.next_stage_at - ${shift} > ${scope.now}`;
}

function leafSeeds(leaf: SegmentDefinition, scope: Scope): Seed[] {
  switch (leaf.type) {
    case 'and':
    case 'or':
      return leaf.conditions.flatMap((item) => leafSeeds(item, scope));
    case 'not':
      return leafSeeds(leaf.condition, scope);
    case 'store':
      return leafSeeds(expandShorthands(leaf), scope);
    case 'event':
    case 'first-event':
    case 'last-event':
      return windowShifts(leaf).map((shift) => eventSeed(scope, leaf, shift));
    case 'sequence':
      return [leaf.withinDays * dayMilliseconds, ...windowShifts(leaf)].map((shift) =>
        eventSeed(scope, leaf.first, shift),
      );
    case 'feature-date':
      return windowShifts(leaf).map((shift) => featureSeed(scope, leaf, shift));
    case 'life-stage':
      return leaf.enteringWithinDays === undefined ? [] : [stageSeed(scope, leaf, leaf.enteringWithinDays)];
    default:
      return [];
  }
}

export function birthdayLeaves(leaf: SegmentDefinition): ConditionOf<'birthday'>[] {
  if (leaf.type === 'and' || leaf.type === 'or') return leaf.conditions.flatMap(birthdayLeaves);
  if (leaf.type === 'not') return birthdayLeaves(leaf.condition);
  return leaf.type === 'birthday' ? [leaf] : [];
}

/**
 * Birthdays move members only at local midnights, and only near the day: the members whose
 * birthday is inside a window now or enters it by the next local midnight (SQL finds them by
 * month and day) are evaluated at once, which sets their exact next moment; those further off
 * are found by the daily birthday pass, the night before theirs enters.
 */
async function nearBirthdays(db: DbExecutor, scope: Scope, leaves: ConditionOf<'birthday'>[]): Promise<string[]> {
  if (leaves.length === 0) return [];
  const reader = jsonReader(scope.dialect);
  const near = leaves.map((leaf) =>
    reader.monthDayIn(
      { document: sql`m.traits`, keys: leaf.path.split('.') },
      upcomingMonthDays(scope.now, scope.timeZone, leaf.withinDays + 1),
    ),
  );
  const members = await db
    .selectFrom('members as m')
    .select('m.id')
    .where('m.workspace_id', '=', scope.workspaceId)
    .where('m.merged_into', 'is', null)
    .where(anyOf(near))
    .execute();
  return members.map((member) => member.id);
}

/** Keeps whichever timer is earlier: a member may already wait for another segment. */
const earlierDue = sql`case when excluded.due_at < timers.due_at then excluded.due_at else timers.due_at end`;

export async function seedTimers(
  db: DbExecutor,
  context: { dialect: DialectName; workspaceId: string; now: number; timeZone: string },
  definition: SegmentDefinition,
): Promise<void> {
  const scope: Scope = context;
  const seeds = leafSeeds(definition, scope);
  if (seeds.length > 0) {
    const union = sql.join(seeds, sql` union all `);
    await sql`insert into timers (workspace_id, owner, subject, due_at)
      select cast(${scope.workspaceId} as text), cast(${segmentTimerOwner} as text), seed.member_id, min(seed.due)
      from (${union}) as seed where true group by seed.member_id
      on conflict (workspace_id, owner, subject) do update set due_at = ${earlierDue}`.execute(db);
  }
  await seedBirthdayTimers(db, context, definition);
}

/** The birthday part of the seeds: run when a segment is saved, and at every local midnight after. */
export async function seedBirthdayTimers(
  db: DbExecutor,
  context: { dialect: DialectName; workspaceId: string; now: number; timeZone: string },
  definition: SegmentDefinition,
): Promise<void> {
  const scope: Scope = context;
  const near = await nearBirthdays(db, scope, birthdayLeaves(definition));
  for (const chunk of chunks(near, 300)) {
    const values = chunk.map(
      (memberId) => sql`(${scope.workspaceId}, ${segmentTimerOwner}, ${memberId}, ${Math.floor(scope.now)})`,
    );
    await sql`insert into timers (workspace_id, owner, subject, due_at) values ${sql.join(values)}
      on conflict (workspace_id, owner, subject) do update set due_at = ${earlierDue}`.execute(db);
  }
}
