import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { dayMilliseconds } from '../../platform/clock.ts';
import type { ConditionOf, EventMatch } from './segment-definition.schema.ts';
import { windowBounds, type Bounds } from './segment-facts.ts';
import { allOf, alwaysTrue, jsonReader, negation, type Condition, type SqlDialect } from './segment-sql-values.ts';

/**
 * Event conditions as sets of members: the events matching a name (and property filters) in a
 * window, found through events_name_time_idx, then their members through event_members. Each
 * set is computed once per query, not once per member of the workspace.
 */

export interface EventScope {
  dialect: SqlDialect;
  workspaceId: string;
  now: number;
}

/**
 * `m` is in the set of members the query selects. SQLite builds an ephemeral index of the set once;
 * PostgreSQL gets EXISTS, which it may hash once or probe per member, and which never degrades
 * like a NOT IN whose set outgrows memory.
 */
export function memberIn(dialect: SqlDialect, memberSet: RawBuilder<unknown>): Condition {
  if (dialect === 'sqlite') return sql<SqlBool>`(m.id in (${memberSet}))`;
  return sql<SqlBool>`exists (select 1 from (${memberSet}) as member_set where member_set.member_id = m.id)`;
}

/** Event times are whole milliseconds: rounding the bounds up keeps them bigint parameters an index can use. */
export function boundConditions(time: RawBuilder<unknown>, bounds: Bounds): Condition[] {
  const conditions: Condition[] = [];
  if (bounds.lower !== undefined) conditions.push(sql<SqlBool>`${time} >= ${Math.ceil(bounds.lower)}`);
  if (bounds.upper !== undefined) conditions.push(sql<SqlBool>`${time} < ${Math.ceil(bounds.upper)}`);
  return conditions;
}

/** The event under the alias is a tracked event of the workspace, with the name and every property filter. */
export function eventMatches(scope: EventScope, events: string, match: EventMatch): Condition[] {
  const column = (name: string) => sql.ref(`${events}.${name}`);
  const reader = jsonReader(scope.dialect);
  const filters = (match.where ?? []).map((filter) =>
    reader.test({ document: column('payload'), keys: ['properties', ...filter.property.split('.')] }, filter),
  );
  return [
    sql<SqlBool>`${column('workspace_id')} = ${scope.workspaceId}`,
    sql<SqlBool>`${column('event_name')} = ${match.name}`,
    // The name-and-time index is partial on exactly this term (migration 0018): keep them alike.
    sql<SqlBool>`${column('type')} = 'track'`,
    ...filters,
    // An event the quality stage refused (an absurd total) counts in no segment.
    sql<SqlBool>`not exists (select 1 from event_refusals as refused where refused.seq = ${column('seq')})`,
  ];
}

/** Members (column `member_id`) with an event matching, as `e` joined to its `em` row. */
function matchingEventMembers(scope: EventScope, match: EventMatch, extra: Condition[]): RawBuilder<unknown> {
  const where = allOf([...eventMatches(scope, 'e', match), sql`em.workspace_id = ${scope.workspaceId}`, ...extra]);
  return sql`select em.member_id from events as e join event_members as em on em.seq = e.seq where ${where}`;
}

export function eventCountCondition(scope: EventScope, condition: ConditionOf<'event'>): Condition {
  const inWindow = boundConditions(sql`e.event_time`, windowBounds(condition, scope.now));
  const members = matchingEventMembers(scope, condition, inWindow);
  const withCount = (test: RawBuilder<unknown>) =>
    memberIn(scope.dialect, sql`${members} group by em.member_id having ${test}`);
  const count = condition.count ?? { op: 'atLeast', value: 1 };
  if (count.op === 'atLeast') {
    if (count.value === 0) return alwaysTrue;
    if (count.value === 1) return memberIn(scope.dialect, members);
    return withCount(sql`count(*) >= ${count.value}`);
  }
  if (count.op === 'exactly' && count.value > 0) return withCount(sql`count(*) = ${count.value}`);
  // At most n (exactly 0 is at most 0): not among the members with more.
  if (count.value === 0) return negation(memberIn(scope.dialect, members));
  return negation(withCount(sql`count(*) > ${count.value}`));
}

/**
 * The first (or last) matching event ever must fall inside the window. Rather than take the
 * minimum (maximum) over every matching event ever, take the members with a matching event in the
 * window (through the name-and-time index), then each one's own minimum (maximum) through
 * event_members_member_idx. A scalar subquery, not NOT EXISTS: PostgreSQL turned that into an
 * anti-join over the whole history, misjudged at one row (4 s at 1.5M events).
 */
export function extremeEventCondition(
  scope: EventScope,
  condition: ConditionOf<'first-event' | 'last-event'>,
): Condition {
  const bounds = windowBounds(condition, scope.now);
  const inWindow = matchingEventMembers(scope, condition, boundConditions(sql`e.event_time`, bounds));
  const first = condition.type === 'first-event';
  const edge = first ? bounds.lower : bounds.upper;
  if (edge === undefined) return memberIn(scope.dialect, inWindow);
  const own = allOf([
    sql`eo.member_id = candidate.member_id`,
    sql`eo.workspace_id = ${scope.workspaceId}`,
    ...eventMatches(scope, 'o', condition),
  ]);
  const extreme = sql`(select ${first ? sql`min` : sql`max`}(o.event_time) from event_members as eo join events as o on o.seq = eo.seq where ${own})`;
  // Never NULL: the candidate's event in the window is among its own.
  const onEdge = first ? sql`${extreme} >= ${Math.ceil(edge)}` : sql`${extreme} < ${Math.ceil(edge)}`;
  return memberIn(
    scope.dialect,
    // Each member once: its minimum (maximum) is looked up per candidate.
    sql`select candidate.member_id from (select distinct w.member_id from (${inWindow}) as w) as candidate where ${onEdge}`,
  );
}

/** A first event in the window, at least `withinDays` old, with no then-event in the span after it. */
export function sequenceCondition(scope: EventScope, condition: ConditionOf<'sequence'>): Condition {
  const span = condition.withinDays * dayMilliseconds;
  const thenEvent = allOf([
    sql`emb.member_id = ema.member_id`,
    sql`emb.workspace_id = ${scope.workspaceId}`,
    ...eventMatches(scope, 'b', condition.then),
    sql`b.event_time > a.event_time`,
    sql`b.event_time <= a.event_time + ${span}`,
  ]);
  const firstEvent = allOf([
    ...eventMatches(scope, 'a', condition.first),
    sql`ema.workspace_id = ${scope.workspaceId}`,
    ...boundConditions(sql`a.event_time`, windowBounds(condition, scope.now)),
    sql`a.event_time <= ${Math.floor(scope.now - span)}`,
    // The then-events are the member's own, found through the member index: SQLite, left to
    // choose, walked every member's events of that name in the span instead (CROSS JOIN fixes
    // its join order; PostgreSQL plans by statistics).
    sql`not exists (select 1 from event_members as emb ${sql.raw(scope.dialect === 'sqlite' ? 'cross join' : 'join')} events as b on b.seq = emb.seq where ${thenEvent})`,
  ]);
  return memberIn(
    scope.dialect,
    sql`select ema.member_id from events as a join event_members as ema on ema.seq = a.seq where ${firstEvent}`,
  );
}
