import { DateTime } from 'luxon';
import type {
  Condition,
  CsvMapping,
  EventNameSpec,
  MappingIssue,
  TimestampSpec,
  TypedValueSpec,
  ValueSpec,
  ValueTransform,
  ValueType,
} from './csv-mapping.schema.ts';

/**
 * A mapping bound to one file's header: column names resolved to positions once, so reading a row
 * is array indexing. Readers report bad cells into `problems` (`Quantity: "x" is not a number`)
 * and return undefined; the caller rejects the row when any problem was reported.
 */
export type Reader<T> = (cells: readonly string[], problems: string[]) => T | undefined;

/** A named output field (trait, property, product field) and the column it reads, for messages. */
export interface FieldReader {
  name: string;
  label: string;
  read: Reader<string | number>;
}

export interface CompiledMapping {
  type: 'track' | 'identify';
  header: readonly string[];
  keyIndex: number | undefined;
  keyColumn: string | undefined;
  eventName: ((cells: readonly string[]) => string) | undefined;
  messageId: Reader<string> | undefined;
  userId: Reader<string> | undefined;
  anonymousId: Reader<string> | undefined;
  fallbackAnonymousId: Reader<string> | undefined;
  timestamp: Reader<string> | undefined;
  traits: FieldReader[];
  properties: FieldReader[];
  products: FieldReader[];
  order: { currency: string; total: 'signed' | 'absolute' | 'none' } | undefined;
}

const numberPattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const integerTextPattern = /^([+-]?)(\d+)(?:\.0*)?$/;
const placeholderPattern = /\{([^{}]+)\}/g;

function applyTransform(
  value: string,
  transform: ValueTransform,
  column: string,
  problems: string[],
): string | undefined {
  switch (transform) {
    case 'trim':
      return value.trim();
    case 'lowercase':
      return value.toLowerCase();
    case 'uppercase':
      return value.toUpperCase();
    case 'integer': {
      // On the text, not through Number: an id longer than 2^53 must not lose digits.
      const match = integerTextPattern.exec(value.trim());
      if (!match) {
        problems.push(`${column}: ${JSON.stringify(value)} is not an integer`);
        return undefined;
      }
      const digits = BigInt(match[2] as string).toString();
      return match[1] === '-' && digits !== '0' ? `-${digits}` : digits;
    }
  }
}

function toType(value: string, type: ValueType, column: string, problems: string[]): string | number | undefined {
  if (type === 'string') return value;
  const text = value.trim();
  const number = numberPattern.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(number)) {
    problems.push(`${column}: ${JSON.stringify(value)} is not a number`);
    return undefined;
  }
  if (type === 'integer' && !Number.isInteger(number)) {
    problems.push(`${column}: ${JSON.stringify(value)} is not an integer`);
    return undefined;
  }
  return number;
}

class Compiler {
  readonly issues: MappingIssue[] = [];
  private readonly positions = new Map<string, number>();

  constructor(readonly header: readonly string[]) {
    // A repeated header name resolves to its first column.
    header.forEach((name, index) => {
      if (!this.positions.has(name)) this.positions.set(name, index);
    });
  }

  column(name: string, path: string): number {
    const index = this.positions.get(name);
    if (index !== undefined) return index;
    this.issues.push({
      path,
      message: `column ${JSON.stringify(name)} is not in the CSV header (${this.header.join(', ')})`,
    });
    return -1;
  }

  /** A template's text with `{Column}` placeholders; missing as a whole when any placeholder is empty. */
  template(text: string, path: string): Reader<string> {
    const parts: Array<string | number> = [];
    let last = 0;
    for (const match of text.matchAll(placeholderPattern)) {
      parts.push(text.slice(last, match.index), this.column(match[1] as string, path));
      last = match.index + match[0].length;
    }
    parts.push(text.slice(last));
    return (cells) => {
      let result = '';
      for (const part of parts) {
        if (typeof part === 'string') {
          result += part;
          continue;
        }
        const cell = cells[part] ?? '';
        if (cell === '') return undefined;
        result += cell;
      }
      return result === '' ? undefined : result;
    };
  }

  value(spec: ValueSpec, path: string): Reader<string> {
    const transforms = spec.transform ?? [];
    let source: Reader<string>;
    let label: string;
    if (spec.column !== undefined) {
      const index = this.column(spec.column, `${path}.column`);
      source = (cells) => cells[index] ?? '';
      label = spec.column;
    } else if (spec.template !== undefined) {
      source = this.template(spec.template, `${path}.template`);
      label = path;
    } else {
      const constant = spec.value ?? '';
      source = () => constant;
      label = path;
    }
    return (cells, problems) => {
      let value = source(cells, problems);
      for (const transform of transforms) {
        if (value === undefined || value === '') break;
        value = applyTransform(value, transform, label, problems);
      }
      return value === '' ? undefined : value;
    };
  }

  typedValue(spec: TypedValueSpec, path: string): Reader<string | number> {
    const read = this.value(spec, path);
    const label = spec.column ?? path;
    return (cells, problems) => {
      const value = read(cells, problems);
      return value === undefined ? undefined : toType(value, spec.type, label, problems);
    };
  }

  condition(condition: Condition, path: string): (cells: readonly string[]) => boolean {
    const index = this.column(condition.column, `${path}.column`);
    const { equals, startsWith, isEmpty } = condition;
    if (equals !== undefined) return (cells) => (cells[index] ?? '') === equals;
    if (startsWith !== undefined) return (cells) => (cells[index] ?? '').startsWith(startsWith);
    return (cells) => ((cells[index] ?? '') === '') === isEmpty;
  }

  eventName(spec: EventNameSpec, path: string): (cells: readonly string[]) => string {
    if (spec.value !== undefined) {
      const fixed = spec.value;
      return () => fixed;
    }
    const cases = (spec.cases ?? []).map((item, index) => ({
      test: this.condition(item.when, `${path}.cases[${index}].when`),
      name: item.then,
    }));
    const otherwise = spec.otherwise ?? '';
    return (cells) => cases.find((item) => item.test(cells))?.name ?? otherwise;
  }

  timestamp(spec: TimestampSpec, path: string, defaultZone: string): Reader<string> {
    const index = this.column(spec.column, `${path}.column`);
    const zone = spec.timeZone ?? defaultZone;
    const { format } = spec;
    const expected = format ?? 'an ISO 8601 date-time';
    // Built once: parsing with a prebuilt token parser is several times faster than fromFormat.
    const parser = format ? DateTime.buildFormatParser(format) : undefined;
    // Rows of a file often share a time (all lines of an invoice), so the last answer is kept.
    let lastText: string | undefined;
    let lastIso: string | undefined;
    return (cells, problems) => {
      const text = (cells[index] ?? '').trim();
      if (text === '') {
        // Stamping a historical row with the import time would corrupt recency, so it is refused.
        problems.push(`${spec.column}: is empty; the event needs a time`);
        return undefined;
      }
      if (text === lastText) return lastIso;
      const parsed = parser ? DateTime.fromFormatParser(text, parser, { zone }) : DateTime.fromISO(text, { zone });
      if (!parsed.isValid) {
        problems.push(`${spec.column}: ${JSON.stringify(text)} does not match ${expected}`);
        return undefined;
      }
      lastText = text;
      lastIso = parsed.toUTC().toISO() ?? undefined;
      return lastIso;
    };
  }

  fields(specs: Record<string, TypedValueSpec> | undefined, path: string): FieldReader[] {
    return Object.entries(specs ?? {}).map(([name, spec]) => ({
      name,
      label: spec.column ?? `${path}.${name}`,
      read: this.typedValue(spec, `${path}.${name}`),
    }));
  }
}

/** Binds a mapping to a CSV header; fails with every mapping field that names a column the file lacks. */
export function compileCsvMapping(
  mapping: CsvMapping,
  header: readonly string[],
  defaults: { timeZone: string },
): { ok: true; compiled: CompiledMapping } | { ok: false; issues: MappingIssue[] } {
  const compiler = new Compiler(header);
  const optional = <S, R>(spec: S | undefined, build: (spec: S) => R): R | undefined =>
    spec === undefined ? undefined : build(spec);
  const compiled: CompiledMapping = {
    type: mapping.type,
    header,
    keyIndex: optional(mapping.groupBy, (column) => compiler.column(column, 'groupBy')),
    keyColumn: mapping.groupBy,
    eventName: optional(mapping.event, (spec) => compiler.eventName(spec, 'event')),
    messageId: optional(mapping.messageId, (text) => compiler.template(text, 'messageId')),
    userId: optional(mapping.userId, (spec) => compiler.value(spec, 'userId')),
    anonymousId: optional(mapping.anonymousId, (spec) => compiler.value(spec, 'anonymousId')),
    fallbackAnonymousId: optional(mapping.fallbackAnonymousId, (text) =>
      compiler.template(text, 'fallbackAnonymousId'),
    ),
    timestamp: optional(mapping.timestamp, (spec) => compiler.timestamp(spec, 'timestamp', defaults.timeZone)),
    traits: compiler.fields(mapping.traits, 'traits'),
    properties: compiler.fields(mapping.properties, 'properties'),
    products: compiler.fields(mapping.products, 'products'),
    order: mapping.order,
  };
  return compiler.issues.length > 0 ? { ok: false, issues: compiler.issues } : { ok: true, compiled };
}
