import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { ValueTest } from './segment-definition.schema.ts';

/**
 * The pieces the segment SQL compiler builds from: never-NULL conditions, and the tests of
 * `passesTest` put to a value inside a JSON column, written once per dialect. SQLite reads JSON
 * text with json_type/json_extract; PostgreSQL walks jsonb with `->` and text keys, because `#>`
 * would read `tags.0` as an array index where `readPath` finds nothing.
 */

export type SqlDialect = 'sqlite' | 'postgres';

/** A boolean expression that is never NULL, so that NOT and OR mean what they say. */
export type Condition = RawBuilder<SqlBool>;
type Scalar = string | number | boolean;

export const alwaysTrue: Condition = sql<SqlBool>`true`;
export const alwaysFalse: Condition = sql<SqlBool>`false`;

export function allOf(parts: readonly Condition[]): Condition {
  if (parts.length === 0) return alwaysTrue;
  if (parts.length === 1) return parts[0] as Condition;
  return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

export function anyOf(parts: readonly Condition[]): Condition {
  if (parts.length === 0) return alwaysFalse;
  if (parts.length === 1) return parts[0] as Condition;
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

export function negation(part: Condition): Condition {
  return sql<SqlBool>`(not ${part})`;
}

const comparisons = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
export type NumericOp = keyof typeof comparisons;

/** `left op value`; PostgreSQL gets the value as numeric so a fraction compares with a bigint column. */
export function compareNumber(dialect: SqlDialect, left: RawBuilder<unknown>, op: NumericOp, value: number): Condition {
  const right = dialect === 'postgres' ? sql`cast(${value} as numeric)` : sql`${value}`;
  return sql<SqlBool>`(${left} ${sql.raw(comparisons[op])} ${right})`;
}

/** `column in (values)` for text, bound as one array on PostgreSQL and as a JSON list when long on SQLite. */
export function textIn(dialect: SqlDialect, column: RawBuilder<unknown>, values: readonly string[]): Condition {
  if (dialect === 'postgres') return sql<SqlBool>`coalesce(${column} = any(cast(${[...values]} as text[])), false)`;
  return sql<SqlBool>`coalesce(${column} in (${sqliteList(values)}), false)`;
}

/** Long lists go in as one JSON parameter: a definition may hold far more values than SQLite binds. */
function sqliteList(values: readonly (string | number)[]): RawBuilder<unknown> {
  if (values.length <= 50) return sql.join(values.map((value) => sql`${value}`));
  return sql`select value from json_each(${JSON.stringify(values)})`;
}

/** A value inside a JSON column, reached through object keys only (the way `readPath` reaches it). */
export interface JsonLocation {
  document: RawBuilder<unknown>;
  keys: readonly string[];
}

/** A key a SQLite JSON path can quote: JSON text spells it as is, with no escapes. */
export function isPlainKey(key: string): boolean {
  return JSON.stringify(key) === `"${key}"`;
}

function sqlitePath(keys: readonly string[]): string {
  const unquotable = keys.find((key) => !isPlainKey(key));
  if (unquotable !== undefined) throw new Error(`a JSON path key needs escapes SQLite paths lack: ${unquotable}`);
  return `$${keys.map((key) => `."${key}"`).join('')}`;
}

function postgresValue(location: JsonLocation): RawBuilder<unknown> {
  return location.keys.reduce<RawBuilder<unknown>>(
    (value, key) => sql`(${value} -> cast(${key} as text))`,
    location.document,
  );
}

/** Reads and tests a JSON value in one dialect; every test mirrors a branch of `passesTest`. */
export interface JsonReader {
  test(location: JsonLocation, test: ValueTest): Condition;
  /** The number there; 0 where there is none (feature counters, category measures). */
  numberOrZero(location: JsonLocation): RawBuilder<unknown>;
  /** The number there, or NULL (feature dates). */
  numberOrNull(location: JsonLocation): RawBuilder<unknown>;
  /** Text starting with an ISO date whose `MM-DD` is one of the given. */
  monthDayIn(location: JsonLocation, monthDays: readonly string[]): Condition;
  /** Whether the object there has the key, whatever its value (JSON null included). */
  hasKey(location: JsonLocation, key: string): Condition;
}

export function jsonReader(dialect: SqlDialect): JsonReader {
  return dialect === 'postgres' ? postgresReader : sqliteReader;
}

function splitByType(values: readonly Scalar[]) {
  return {
    texts: values.filter((value): value is string => typeof value === 'string'),
    numbers: values.filter((value): value is number => typeof value === 'number'),
    flags: values.filter((value): value is boolean => typeof value === 'boolean'),
  };
}

/** Typed membership over SQLite's json_type names: text with text, number with number, flag with flag. */
function sqliteOneOf(type: RawBuilder<unknown>, value: RawBuilder<unknown>, values: readonly Scalar[]): Condition {
  const { texts, numbers, flags } = splitByType(values);
  if (texts.length === values.length && texts.every((text) => !/^[[{]/.test(text))) {
    // Text only, the common case, in one JSON read instead of two: json_extract gives text only
    // for a string, or for an array or object as JSON text, which starts with [ or {.
    return sql<SqlBool>`coalesce(${value} in (${sqliteList(texts)}), false)`;
  }
  const branches: RawBuilder<unknown>[] = [];
  if (texts.length > 0) branches.push(sql`when 'text' then ${value} in (${sqliteList(texts)})`);
  if (numbers.length > 0) {
    const list = sqliteList(numbers);
    branches.push(sql`when 'integer' then ${value} in (${list}) when 'real' then ${value} in (${list})`);
  }
  if (flags.includes(true)) branches.push(sql`when 'true' then true`);
  if (flags.includes(false)) branches.push(sql`when 'false' then true`);
  if (branches.length === 0) return alwaysFalse;
  return sql<SqlBool>`(case ${type} ${sql.join(branches, sql` `)} else false end)`;
}

function sqliteContains(document: RawBuilder<unknown>, path: string, expected: Scalar): Condition {
  const type = sql`json_type(${document}, ${path})`;
  const element = sqliteOneOf(sql`item.type`, sql`item.value`, [expected]);
  const inArray = sql`exists (select 1 from json_each(${document}, ${path}) as item where ${element})`;
  const inText =
    typeof expected === 'string'
      ? sql`when 'text' then instr(json_extract(${document}, ${path}), ${expected}) > 0`
      : sql``;
  return sql<SqlBool>`(case ${type} when 'array' then ${inArray} ${inText} else false end)`;
}

const sqliteReader: JsonReader = {
  test({ document, keys }, test) {
    const path = sqlitePath(keys);
    const type = sql`json_type(${document}, ${path})`;
    const value = sql`json_extract(${document}, ${path})`;
    switch (test.op) {
      case 'eq':
      case 'ne': {
        const same = sqliteOneOf(type, value, [test.value]);
        return test.op === 'eq' ? same : negation(same);
      }
      case 'in':
        return sqliteOneOf(type, value, test.value);
      case 'notIn':
        return negation(sqliteOneOf(type, value, test.value));
      case 'contains':
        return sqliteContains(document, path, test.value);
      case 'exists':
        return sql<SqlBool>`(coalesce(${type}, 'null') <> 'null')`;
      case 'missing':
        return sql<SqlBool>`(coalesce(${type}, 'null') = 'null')`;
      case 'before':
        return sql<SqlBool>`(case ${type} when 'text' then ${value} < ${test.value} else false end)`;
      case 'after':
        return sql<SqlBool>`(case ${type} when 'text' then ${value} > ${test.value} else false end)`;
      default: {
        const compared = compareNumber('sqlite', value, test.op, test.value);
        return sql<SqlBool>`(case when ${type} in ('integer', 'real') then ${compared} else false end)`;
      }
    }
  },
  numberOrZero: ({ document, keys }) => sql`coalesce(json_extract(${document}, ${sqlitePath(keys)}), 0)`,
  numberOrNull: ({ document, keys }) => sql`json_extract(${document}, ${sqlitePath(keys)})`,
  monthDayIn({ document, keys }, monthDays) {
    const path = sqlitePath(keys);
    const value = sql`json_extract(${document}, ${path})`;
    // GLOB's [0-9] is ASCII digits, as the evaluator's \d is.
    const dated = sql`${value} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'`;
    const inDays = sql`substr(${value}, 6, 5) in (select value from json_each(${JSON.stringify(monthDays)}))`;
    return sql<SqlBool>`(case json_type(${document}, ${path}) when 'text' then (${dated} and ${inDays}) else false end)`;
  },
  hasKey({ document, keys }, key) {
    if (isPlainKey(key)) return sql<SqlBool>`(json_type(${document}, ${sqlitePath([...keys, key])}) is not null)`;
    // A key with escapes cannot be spelled in a path; json_each hands keys back unescaped.
    const each = sql`json_each(${document}, ${sqlitePath(keys)})`;
    return sql<SqlBool>`exists (select 1 from ${each} as item where item.key = ${key})`;
  },
};

function postgresOneOf(value: RawBuilder<unknown>, values: readonly Scalar[]): Condition {
  // jsonb equality is typed already: "1" is not 1, true is not "true"; numbers compare as numbers.
  const documents = values.map((item) => JSON.stringify(item));
  if (documents.length === 1) return sql<SqlBool>`coalesce(${value} = cast(${documents[0]} as jsonb), false)`;
  return sql<SqlBool>`coalesce(${value} = any(cast(${documents} as jsonb[])), false)`;
}

function postgresText(value: RawBuilder<unknown>, op: '<' | '>', expected: string): Condition {
  // Byte order ("C"), which is SQLite's and (below U+E000) JavaScript's order too.
  const text = sql`(${value} #>> '{}') collate "C"`;
  return sql<SqlBool>`(case when jsonb_typeof(${value}) = 'string' then ${text} ${sql.raw(op)} ${expected} else false end)`;
}

function postgresContains(value: RawBuilder<unknown>, expected: Scalar): Condition {
  // `@>` with a one-element array finds a top-level element equal to it, never a nested one.
  const inArray = sql`when 'array' then ${value} @> cast(${JSON.stringify([expected])} as jsonb)`;
  const inText =
    typeof expected === 'string' ? sql`when 'string' then strpos(${value} #>> '{}', ${expected}) > 0` : sql``;
  return sql<SqlBool>`(case jsonb_typeof(${value}) ${inArray} ${inText} else false end)`;
}

/** The number there or NULL; the type test comes first because PostgreSQL may not short-circuit AND. */
function postgresNumber(value: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(case when jsonb_typeof(${value}) = 'number' then cast(${value} as numeric) end)`;
}

const postgresReader: JsonReader = {
  test(location, test) {
    const value = postgresValue(location);
    switch (test.op) {
      case 'eq':
        return postgresOneOf(value, [test.value]);
      case 'ne':
        return negation(postgresOneOf(value, [test.value]));
      case 'in':
        return postgresOneOf(value, test.value);
      case 'notIn':
        return negation(postgresOneOf(value, test.value));
      case 'contains':
        return postgresContains(value, test.value);
      case 'exists':
        return sql<SqlBool>`(coalesce(jsonb_typeof(${value}), 'null') <> 'null')`;
      case 'missing':
        return sql<SqlBool>`(coalesce(jsonb_typeof(${value}), 'null') = 'null')`;
      case 'before':
        return postgresText(value, '<', test.value);
      case 'after':
        return postgresText(value, '>', test.value);
      default:
        return sql<SqlBool>`coalesce(${compareNumber('postgres', postgresNumber(value), test.op, test.value)}, false)`;
    }
  },
  numberOrZero: (location) => sql`coalesce(${postgresNumber(postgresValue(location))}, 0)`,
  numberOrNull: (location) => postgresNumber(postgresValue(location)),
  monthDayIn(location, monthDays) {
    const value = postgresValue(location);
    const text = sql`(${value} #>> '{}')`;
    const dated = sql`${text} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'`;
    const inDays = sql`substr(${text}, 6, 5) = any(cast(${[...monthDays]} as text[]))`;
    return sql<SqlBool>`(case when jsonb_typeof(${value}) = 'string' then (${dated} and ${inDays}) else false end)`;
  },
  hasKey: (location, key) => sql<SqlBool>`((${postgresValue(location)} -> cast(${key} as text)) is not null)`,
};
