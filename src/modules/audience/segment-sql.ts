import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { dayMilliseconds } from '../../platform/clock.ts';
import type { DbExecutor } from '../../platform/db/database.ts';
import type { ConditionOf, SegmentDefinition } from './segment-definition.schema.ts';
import { upcomingMonthDays, windowBounds } from './segment-facts.ts';
import {
  boundConditions,
  eventCountCondition,
  extremeEventCondition,
  memberIn,
  sequenceCondition,
  type EventScope,
} from './segment-sql-events.ts';
import {
  allOf,
  anyOf,
  compareNumber,
  isPlainKey,
  jsonReader,
  negation,
  textIn,
  type Condition,
  type SqlDialect,
} from './segment-sql-values.ts';
import { expandShorthands } from './segment-shorthands.ts';

/**
 * Segment definitions compiled to SQL over `members as m`, for both dialects. The in-memory
 * evaluator (segment-evaluation.ts) is the specification: a member matches here exactly when
 * `evaluateDefinition` says so for its facts, which the property test checks.
 */

export interface SqlContext {
  workspaceId: string;
  /** Epoch milliseconds the relative windows are measured from. */
  now: number;
  /** The workspace's time zone, for birthdays. */
  timeZone: string;
  dialect: SqlDialect;
  /**
   * Members' RFM segments scored for this query (a preview scores them as of today); without it,
   * the daily scoring kept in member_rfm.
   */
  rfmSegments?: ReadonlyMap<string, string>;
}

export type { Condition, SqlDialect } from './segment-sql-values.ts';

const pointsColumns = {
  available: 'available',
  pending: 'pending',
  lifetimeEarned: 'lifetime_earned',
  lifetimeRedeemed: 'lifetime_redeemed',
  lifetimeExpired: 'lifetime_expired',
} as const;

function traits(path: string) {
  return { document: sql`m.traits`, keys: path.split('.') };
}

function features(...keys: string[]) {
  return { document: sql`m.features`, keys };
}

function featureCondition(definition: ConditionOf<'feature'>, context: SqlContext): Condition {
  const reader = jsonReader(context.dialect);
  const value =
    definition.name === 'netSpend'
      ? sql`(${reader.numberOrZero(features('totalSpend'))} - ${reader.numberOrZero(features('refundTotal'))})`
      : reader.numberOrZero(features(definition.name));
  return compareNumber(context.dialect, value, definition.op, definition.value);
}

function featureDateCondition(definition: ConditionOf<'feature-date'>, context: SqlContext): Condition {
  const value = jsonReader(context.dialect).numberOrNull(features(definition.name));
  // FALSE AND NULL is FALSE, so a missing date makes the whole condition false, never NULL.
  return allOf([sql<SqlBool>`${value} is not null`, ...boundConditions(value, windowBounds(definition, context.now))]);
}

/** The member's spend or orders in a category; 0 where there are none. */
function categoryMeasure(category: string, measure: 'spend' | 'orders', dialect: SqlDialect) {
  if (dialect === 'sqlite' && !isPlainKey(category)) {
    // A name JSON escapes (a tab, say) cannot be spelled in a SQLite path: find it among the keys.
    const entry = sql`(select json_extract(item.value, ${`$.${measure}`}) from json_each(m.features, '$.categories') as item where item.key = ${category} and item.type = 'object')`;
    return sql`coalesce(${entry}, 0)`;
  }
  return jsonReader(dialect).numberOrZero(features('categories', category, measure));
}

function categoryCondition(definition: ConditionOf<'category'>, context: SqlContext): Condition {
  const value = categoryMeasure(definition.category, definition.measure, context.dialect);
  return compareNumber(context.dialect, value, definition.op, definition.value);
}

/** Spent in the category, and fewer than `rank` categories with more spend (ties share a rank). */
function topCategoryCondition(definition: ConditionOf<'top-category'>, context: SqlContext): Condition {
  const { dialect } = context;
  const own = categoryMeasure(definition.category, 'spend', dialect);
  const categories =
    dialect === 'sqlite'
      ? sql`json_each(m.features, '$.categories')`
      : sql`jsonb_each(case when jsonb_typeof(m.features -> 'categories') = 'object' then m.features -> 'categories' end)`;
  const spend = jsonReader(dialect).numberOrZero({ document: sql`item.value`, keys: ['spend'] });
  const higher = sql`(select count(*) from ${categories} as item where ${spend} > ${own})`;
  return allOf([compareNumber(dialect, own, 'gt', 0), sql<SqlBool>`${higher} < ${definition.rank}`]);
}

function randomBucketCondition(definition: ConditionOf<'random-bucket'>, context: SqlContext): Condition {
  const { salt, buckets, from, to } = definition;
  // The same bucket as bucketOf: PostgreSQL's md5 here, the registered hearth_bucket on SQLite.
  const bucket =
    context.dialect === 'postgres'
      ? sql`(('x' || substr(md5(cast(${salt} as text) || ':' || m.id), 1, 8))::bit(32)::bigint % ${buckets})`
      : sql`hearth_bucket(${salt}, m.id, ${buckets})`;
  return sql<SqlBool>`(${bucket} between ${from} and ${to - 1})`;
}

/** Conditions on the member's own row: traits and features. */
function profileCondition(definition: SegmentDefinition, context: SqlContext): Condition | undefined {
  const reader = jsonReader(context.dialect);
  switch (definition.type) {
    case 'trait':
      return reader.test(traits(definition.path), definition);
    case 'feature':
      return featureCondition(definition, context);
    case 'feature-date':
      return featureDateCondition(definition, context);
    case 'category':
      return categoryCondition(definition, context);
    case 'top-category':
      return topCategoryCondition(definition, context);
    case 'channel':
      return reader.hasKey(features('channels'), definition.channel);
    case 'birthday': {
      const monthDays = upcomingMonthDays(context.now, context.timeZone, definition.withinDays);
      return reader.monthDayIn(traits(definition.path), monthDays);
    }
    case 'random-bucket':
      return randomBucketCondition(definition, context);
    default:
      return undefined;
  }
}

function lifeStageCondition(definition: ConditionOf<'life-stage'>, context: SqlContext): Condition {
  const within = definition.enteringWithinDays;
  const stage =
    within === undefined
      ? sql`s.stage_id = ${definition.stage}`
      : sql`s.next_stage_id = ${definition.stage} and s.next_stage_at <= ${Math.floor(context.now + within * dayMilliseconds)}`;
  return memberIn(
    context.dialect,
    sql`select s.member_id from member_life_stages as s where s.workspace_id = ${context.workspaceId} and ${stage}`,
  );
}

function rfmMembers(scored: ReadonlyMap<string, string>, definition: ConditionOf<'rfm'>): string[] {
  const wanted = new Set(definition.segments);
  return [...scored].filter(([, segment]) => wanted.has(segment)).map(([memberId]) => memberId);
}

/** Members listed by the query itself, as one JSON parameter: any number of them, one bound value. */
function listedMembers(dialect: SqlDialect, memberIds: string[]): RawBuilder<unknown> {
  const list = JSON.stringify(memberIds);
  if (dialect === 'sqlite') return sql`select value as member_id from json_each(${list})`;
  return sql`select jsonb_array_elements_text(cast(${list} as jsonb)) as member_id`;
}

/**
 * Conditions on the member's rows elsewhere, each a set of members read once through an index
 * (SQLite, probing per member, chose the stage index of member_life_stages and scanned it for
 * every member: 3 s at 20,000 members against 20 ms as a set).
 */
function relatedCondition(definition: SegmentDefinition, context: SqlContext): Condition | undefined {
  const { workspaceId, dialect } = context;
  switch (definition.type) {
    case 'tag':
      return memberIn(
        dialect,
        sql`select t.member_id from member_tags as t where t.workspace_id = ${workspaceId} and t.tag_id = ${definition.tag}`,
      );
    case 'identifier':
      return memberIn(
        dialect,
        sql`select i.member_id from identifiers as i where i.workspace_id = ${workspaceId} and i.type = ${definition.identifierType}`,
      );
    case 'rfm':
      if (context.rfmSegments)
        return memberIn(dialect, listedMembers(dialect, rfmMembers(context.rfmSegments, definition)));
      return memberIn(
        dialect,
        sql`select r.member_id from member_rfm as r where r.workspace_id = ${workspaceId} and ${textIn(dialect, sql`r.segment`, definition.segments)}`,
      );
    case 'tier': {
      const held = sql<SqlBool>`exists (select 1 from points_accounts as p where p.member_id = m.id and p.workspace_id = ${workspaceId} and ${textIn(dialect, sql`p.tier_id`, definition.value)})`;
      return definition.op === 'in' ? held : negation(held);
    }
    case 'points': {
      const column = sql.ref(`p.${pointsColumns[definition.balance]}`);
      const balance = sql`coalesce((select ${column} from points_accounts as p where p.member_id = m.id and p.workspace_id = ${workspaceId}), 0)`;
      return compareNumber(dialect, balance, definition.op, definition.value);
    }
    case 'life-stage':
      return lifeStageCondition(definition, context);
    default:
      return undefined;
  }
}

function eventCondition(definition: SegmentDefinition, context: SqlContext): Condition | undefined {
  const scope: EventScope = { dialect: context.dialect, workspaceId: context.workspaceId, now: context.now };
  switch (definition.type) {
    case 'event':
      return eventCountCondition(scope, definition);
    case 'first-event':
    case 'last-event':
      return extremeEventCondition(scope, definition);
    case 'sequence':
      return sequenceCondition(scope, definition);
    default:
      return undefined;
  }
}

/**
 * A boolean expression over `m` (a members row) that is true exactly when evaluateDefinition is,
 * and never NULL, so it composes under AND, OR and NOT.
 */
export function compileDefinition(definition: SegmentDefinition, context: SqlContext): Condition {
  switch (definition.type) {
    case 'and':
      return allOf(definition.conditions.map((item) => compileDefinition(item, context)));
    case 'or':
      return anyOf(definition.conditions.map((item) => compileDefinition(item, context)));
    case 'not':
      return negation(compileDefinition(definition.condition, context));
    case 'store':
      return compileDefinition(expandShorthands(definition), context);
    default: {
      const condition =
        profileCondition(definition, context) ??
        relatedCondition(definition, context) ??
        eventCondition(definition, context);
      if (!condition) throw new Error(`no SQL for condition type ${definition.type}`);
      return condition;
    }
  }
}

/** The workspace's live members (not merged away) that match, as `member_id`; the caller orders and pages. */
export function selectMatchingMembers(db: DbExecutor, definition: SegmentDefinition, context: SqlContext) {
  return db
    .selectFrom('members as m')
    .select('m.id as member_id')
    .where('m.workspace_id', '=', context.workspaceId)
    .where('m.merged_into', 'is', null)
    .where(compileDefinition(definition, context));
}

export async function countMatchingMembers(
  db: DbExecutor,
  definition: SegmentDefinition,
  context: SqlContext,
): Promise<number> {
  const row = await db
    .selectFrom('members as m')
    .select((expression) => expression.fn.countAll<number | string>().as('members'))
    .where('m.workspace_id', '=', context.workspaceId)
    .where('m.merged_into', 'is', null)
    .where(compileDefinition(definition, context))
    .executeTakeFirstOrThrow();
  return Number(row.members);
}
