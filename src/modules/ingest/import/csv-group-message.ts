import type { CompiledMapping, FieldReader } from './csv-mapping.ts';
import { contentMessageId } from './message-ids.ts';
import type { CsvRow, RowGroup } from './row-grouping.ts';

export interface RowRejection {
  line: number;
  reason: string;
}

/** One group of rows as one Segment message, or the reasons (by line) it was not imported. */
export type GroupMessageResult =
  | { ok: true; line: number; message: Record<string, unknown>; note: string | undefined }
  | { ok: false; rejections: RowRejection[] };

/** Rounds half away from zero after clearing binary noise (2.55 × 6 = 15.299999…). */
export function roundMoney(amount: number): number {
  const cents = Math.round(Number((Math.abs(amount) * 100).toPrecision(15)));
  return cents === 0 ? 0 : (Math.sign(amount) * cents) / 100;
}

function readFields(fields: FieldReader[], cells: readonly string[], problems: string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const value = field.read(cells, problems);
    if (value !== undefined) result[field.name] = value;
  }
  return result;
}

function describeGroup(mapping: CompiledMapping, group: RowGroup): string {
  return `${mapping.keyColumn ?? 'group'} ${JSON.stringify(group.key ?? '')}`;
}

/** Problems with the group as a whole, before any cell is read. */
function groupShapeProblem(mapping: CompiledMapping, group: RowGroup): RowRejection | undefined {
  const line = group.firstLine;
  if (group.key === '') {
    return { line, reason: `${mapping.keyColumn}: is empty; rows are grouped by it` };
  }
  if (group.earlierGroupEndedAt !== undefined) {
    return {
      line,
      reason:
        `${describeGroup(mapping, group)} already formed a group ending at line ${group.earlierGroupEndedAt}; ` +
        `rows of one group must be consecutive (sort the file by ${mapping.keyColumn})`,
    };
  }
  if (group.overflowed) {
    return {
      line,
      reason: `${describeGroup(mapping, group)} has ${group.rowCount} rows; one event takes at most ${group.rows.length}`,
    };
  }
  return undefined;
}

interface OrderLines {
  products: Array<Record<string, unknown>>;
  total: number;
}

const totalFields = new Set(['price', 'quantity']);

/** Every row's product, and the order total; problems are collected per line. */
function readProducts(mapping: CompiledMapping, rows: CsvRow[], rejections: RowRejection[]): OrderLines {
  const products: Array<Record<string, unknown>> = [];
  let total = 0;
  const needsTotal = mapping.order !== undefined && mapping.order.total !== 'none';
  for (const row of rows) {
    const problems: string[] = [];
    const product: Record<string, unknown> = {};
    for (const field of mapping.products) {
      const before = problems.length;
      const value = field.read(row.cells, problems);
      if (value !== undefined) product[field.name] = value;
      else if (needsTotal && totalFields.has(field.name) && problems.length === before) {
        problems.push(`${field.label}: is empty; the order total needs it`);
      }
    }
    if (problems.length > 0) rejections.push({ line: row.line, reason: problems.join('; ') });
    // The schema makes price and quantity numeric whenever a total is wanted.
    else if (needsTotal && typeof product.price === 'number' && typeof product.quantity === 'number') {
      total += product.price * product.quantity;
    }
    // The spec writes a refund's lines as positive quantities, as it writes its amount.
    if (mapping.order?.total === 'absolute' && typeof product.quantity === 'number') {
      product.quantity = Math.abs(product.quantity);
    }
    products.push(product);
  }
  return { products, total };
}

function identityFields(
  mapping: CompiledMapping,
  cells: readonly string[],
  problems: string[],
): Record<string, unknown> {
  const userId = mapping.userId?.(cells, problems);
  const anonymousId =
    mapping.anonymousId?.(cells, problems) ??
    (userId === undefined ? mapping.fallbackAnonymousId?.(cells, problems) : undefined);
  return {
    ...(userId !== undefined ? { userId } : {}),
    ...(anonymousId !== undefined ? { anonymousId } : {}),
  };
}

function trackBody(
  mapping: CompiledMapping,
  group: RowGroup,
  first: readonly string[],
  problems: string[],
  rejections: RowRejection[],
): Record<string, unknown> {
  const properties = readFields(mapping.properties, first, problems);
  const traits = readFields(mapping.traits, first, problems);
  if (mapping.products.length > 0) {
    const { products, total } = readProducts(mapping, group.rows, rejections);
    if (mapping.order) {
      properties.order_id = group.key;
      properties.currency = mapping.order.currency;
      if (mapping.order.total === 'signed') properties.total = roundMoney(total);
      if (mapping.order.total === 'absolute') properties.total = Math.abs(roundMoney(total));
    }
    properties.products = products;
  }
  return {
    event: mapping.eventName?.(first),
    properties,
    ...(Object.keys(traits).length > 0 ? { context: { traits } } : {}),
  };
}

/**
 * Builds the message for a group: event-level fields from its first row, a product from every
 * row. Any bad row rejects the whole group, so an order is never stored with lines missing; the
 * message itself is validated afterwards by ingest like any other.
 */
export function buildGroupMessage(mapping: CompiledMapping, group: RowGroup): GroupMessageResult {
  const shape = groupShapeProblem(mapping, group);
  if (shape) return { ok: false, rejections: [shape] };
  const rejections: RowRejection[] = [];
  for (const row of group.rows) {
    if (row.cells.length !== mapping.header.length) {
      rejections.push({
        line: row.line,
        reason: `has ${row.cells.length} fields; the header has ${mapping.header.length}`,
      });
    }
  }
  if (rejections.length > 0) return { ok: false, rejections: withGroupNote(mapping, group, rejections) };
  const first = (group.rows[0] as CsvRow).cells;
  const problems: string[] = [];
  const messageId =
    mapping.messageId?.(first, problems) ?? contentMessageId(JSON.stringify(group.rows.map((row) => row.cells)));
  const timestamp = mapping.timestamp?.(first, problems);
  const identity = identityFields(mapping, first, problems);
  const body =
    mapping.type === 'track'
      ? trackBody(mapping, group, first, problems, rejections)
      : { traits: readFields(mapping.traits, first, problems) };
  if (problems.length > 0) rejections.unshift({ line: group.firstLine, reason: problems.join('; ') });
  if (rejections.length > 0) return { ok: false, rejections: withGroupNote(mapping, group, rejections) };
  const message = { type: mapping.type, messageId, ...identity, ...(timestamp ? { timestamp } : {}), ...body };
  return { ok: true, line: group.firstLine, message, note: groupNote(mapping, group) };
}

/** Names a multi-row group, for messages about it as a whole. */
function groupNote(mapping: CompiledMapping, group: RowGroup): string | undefined {
  if (group.rowCount === 1) return undefined;
  return `${describeGroup(mapping, group)}, ${group.rowCount} rows from line ${group.firstLine}, not imported`;
}

/** A rejected row takes its group with it; say so, or the other rows would seem to be imported. */
function withGroupNote(mapping: CompiledMapping, group: RowGroup, rejections: RowRejection[]): RowRejection[] {
  const note = groupNote(mapping, group);
  if (!note) return rejections;
  return rejections.map((rejection) => ({ line: rejection.line, reason: `${rejection.reason} (${note})` }));
}
