/**
 * CSV mapping files: how `hearth import FILE.csv --map mapping.json` turns rows into Segment messages.
 *
 * ```jsonc
 * {
 *   "type": "track",                         // "track" or "identify"
 *   "event": {                               // track only: a fixed name ("event": "Order Completed")
 *     "cases": [{ "when": { "column": "InvoiceNo", "startsWith": "C" }, "then": "Order Refunded" }],
 *     "otherwise": "Order Completed"         // …or the first case whose condition holds, else this
 *   },
 *   "groupBy": "InvoiceNo",                  // optional: consecutive rows with the same key → one event
 *   "messageId": "online-retail-{InvoiceNo}",// optional template; default `import-` + hash of the rows
 *   "userId": { "column": "CustomerID", "transform": ["trim", "integer"] },
 *   "anonymousId": { "column": "DeviceId" }, // optional
 *   "fallbackAnonymousId": "guest-{InvoiceNo}", // template used when userId and anonymousId are both empty
 *   "timestamp": { "column": "InvoiceDate", "format": "yyyy-MM-dd HH:mm:ss", "timeZone": "Europe/London" },
 *   "traits": { "country": { "column": "Country", "transform": ["trim"] } },
 *   "properties": { "channel": { "value": "web" }, "items": { "column": "Lines", "type": "integer" } },
 *   "products": {                            // track only: one product per row of the group
 *     "product_id": "StockCode",
 *     "name": { "column": "Description", "transform": ["trim"] },
 *     "price": { "column": "UnitPrice", "type": "number" },
 *     "quantity": { "column": "Quantity", "type": "integer" }
 *   },
 *   "order": { "currency": "GBP", "total": "absolute" } // needs groupBy and products
 * }
 * ```
 *
 * Values. A value is `{ "column": "Name" }` (a string is shorthand for it), `{ "template": "guest-{InvoiceNo}" }`
 * or `{ "value": "fixed" }`, with optional `"transform"` (applied in order: `trim`, `lowercase`,
 * `uppercase`, `integer` — `17850.0` → `17850`, for ids a spreadsheet wrote as floats) and, for
 * traits, properties and products, a `"type"`: `string` (default), `number` or `integer`. An empty
 * string is a missing value: the field is left out, and a template with any empty placeholder is
 * missing as a whole (a `messageId` template that comes out missing falls back to the hash). A
 * cell that does not parse as its type rejects the row (and its group).
 *
 * Groups. The file is streamed, so a group is a run of *consecutive* rows with the same key: sort
 * the file by the key first. A key that comes back after other keys is rejected with both line
 * numbers rather than silently becoming a second event (checked over the last 100,000 groups).
 * Event-level fields (ids, event name, timestamp, traits, properties) come from the group's first
 * row; products come from every row. A row that is bad rejects its whole group, so an order is
 * never stored with lines missing.
 *
 * Orders (Segment e-commerce spec). With `order`, the event's properties get `order_id` (the group
 * key), `currency`, `products` and `total` = Σ price × quantity rounded to 2 decimals. Prices are
 * stored as written; `total` is the signed sum with `"total": "signed"` (quantities as written), its
 * absolute value with `"absolute"` (quantities too: a refund's amount and lines are positive in the
 * spec, and processing refuses negative ones), or left out with `"none"`.
 *
 * Timestamps. `format` is a luxon format (`yyyy-MM-dd HH:mm:ss`); without it the cell must be ISO
 * 8601. Times without an offset are read in `timeZone` (default: the workspace's time zone), so
 * summer and winter times map to the right UTC instant. A row whose timestamp cell is empty is
 * rejected (the import time would make old purchases look recent); without `timestamp` at all, the
 * import time is used.
 *
 * Track events carry traits in `context.traits` (Segment's place for them on a track call);
 * identify events carry them in `traits` and have no event name, properties or products.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { currencySchema, timeZoneSchema } from '../../workspaces/workspaces.schema.ts';

export const valueTransforms = ['trim', 'lowercase', 'uppercase', 'integer'] as const;
export type ValueTransform = (typeof valueTransforms)[number];

export const valueTypes = ['string', 'number', 'integer'] as const;
export type ValueType = (typeof valueTypes)[number];

const nonEmpty = z.string().min(1, 'must not be empty');

/** A bare string stands for `{ "column": … }`, the common case. */
function columnShorthand(value: unknown): unknown {
  return typeof value === 'string' ? { column: value } : value;
}

function exactlyOne(keys: readonly string[], what: string) {
  return (value: Record<string, unknown>, context: z.RefinementCtx): void => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length !== 1) {
      context.addIssue({
        code: 'custom',
        message:
          `${what} needs exactly one of ${keys.map((key) => `"${key}"`).join(', ')}` +
          (present.length > 1 ? `, not ${present.map((key) => `"${key}"`).join(' and ')}` : ''),
      });
    }
  };
}

const valueFields = {
  column: nonEmpty.optional(),
  template: nonEmpty.optional(),
  value: z.string().optional(),
  transform: z.array(z.enum(valueTransforms)).optional(),
};

export const valueSpecSchema = z.preprocess(
  columnShorthand,
  z.strictObject(valueFields).superRefine(exactlyOne(['column', 'template', 'value'], 'a value')),
);
export type ValueSpec = z.output<typeof valueSpecSchema>;

export const typedValueSpecSchema = z.preprocess(
  columnShorthand,
  z
    .strictObject({ ...valueFields, type: z.enum(valueTypes).default('string') })
    .superRefine(exactlyOne(['column', 'template', 'value'], 'a value')),
);
export type TypedValueSpec = z.output<typeof typedValueSpecSchema>;

export const conditionSchema = z
  .strictObject({
    column: nonEmpty,
    equals: z.string().optional(),
    startsWith: z.string().optional(),
    isEmpty: z.boolean().optional(),
  })
  .superRefine(exactlyOne(['equals', 'startsWith', 'isEmpty'], 'a condition'));
export type Condition = z.output<typeof conditionSchema>;

/** A fixed name (a string is shorthand for `{ "value": … }`), or cases tried in order. */
export const eventNameSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { value } : value),
  z
    .strictObject({
      value: nonEmpty.optional(),
      cases: z
        .array(z.strictObject({ when: conditionSchema, then: nonEmpty }))
        .min(1)
        .optional(),
      otherwise: nonEmpty.optional(),
    })
    .superRefine((name, context) => {
      if ((name.value === undefined) === (name.cases === undefined)) {
        context.addIssue({ code: 'custom', message: 'an event name needs either "value" or "cases"' });
      }
      if (name.cases && name.otherwise === undefined) {
        context.addIssue({ code: 'custom', path: ['otherwise'], message: 'is required with "cases"' });
      }
    }),
);
export type EventNameSpec = z.output<typeof eventNameSchema>;

/** A luxon format is usable when a known instant survives a round trip through it. */
function isUsableFormat(format: string): boolean {
  const sample = DateTime.fromISO('2011-06-15T13:45:30', { zone: 'UTC' });
  return DateTime.fromFormat(sample.toFormat(format), format, { zone: 'UTC' }).isValid;
}

export const timestampSpecSchema = z.preprocess(
  columnShorthand,
  z.strictObject({
    column: nonEmpty,
    format: nonEmpty.refine(isUsableFormat, 'is not a usable luxon date format (e.g. yyyy-MM-dd HH:mm:ss)').optional(),
    timeZone: timeZoneSchema.optional(),
  }),
);
export type TimestampSpec = z.output<typeof timestampSpecSchema>;

export const orderSpecSchema = z.strictObject({
  currency: currencySchema,
  total: z.enum(['signed', 'absolute', 'none']).default('signed'),
});

/** Property names an order writes itself; a mapped property may not take them. */
export const orderPropertyNames = ['order_id', 'currency', 'total', 'products'] as const;

export const csvMappingSchema = z
  .strictObject({
    type: z.enum(['track', 'identify']),
    event: eventNameSchema.optional(),
    groupBy: nonEmpty.optional(),
    messageId: nonEmpty.optional(),
    userId: valueSpecSchema.optional(),
    anonymousId: valueSpecSchema.optional(),
    fallbackAnonymousId: nonEmpty.optional(),
    timestamp: timestampSpecSchema.optional(),
    traits: z.record(nonEmpty, typedValueSpecSchema).optional(),
    properties: z.record(nonEmpty, typedValueSpecSchema).optional(),
    products: z.record(nonEmpty, typedValueSpecSchema).optional(),
    order: orderSpecSchema.optional(),
  })
  .superRefine((mapping, context) => {
    const issue = (path: PropertyKey[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (mapping.type === 'track' && !mapping.event) issue(['event'], 'is required for track events');
    if (mapping.type === 'identify') {
      for (const key of ['event', 'properties', 'products', 'order'] as const) {
        if (mapping[key] !== undefined) issue([key], 'only a track event has this');
      }
    }
    if (!mapping.userId && !mapping.anonymousId && !mapping.fallbackAnonymousId) {
      issue(['userId'], 'give userId, anonymousId or fallbackAnonymousId: every event needs one');
    }
    if (!mapping.order) return;
    if (!mapping.groupBy) issue(['order'], 'needs "groupBy": the order id is the group key');
    if (!mapping.products) issue(['order'], 'needs "products"');
    if (mapping.order.total !== 'none') {
      for (const field of ['price', 'quantity'] as const) {
        const spec = mapping.products?.[field];
        if (!spec) issue(['products', field], `is required to compute the order total`);
        else if (spec.type === 'string')
          issue(['products', field, 'type'], 'must be "number" or "integer" to compute the total');
      }
    }
    for (const name of orderPropertyNames) {
      if (mapping.properties?.[name] !== undefined) issue(['properties', name], 'is set by "order"; remove it here');
    }
  });
export type CsvMapping = z.output<typeof csvMappingSchema>;

export interface MappingIssue {
  path: string;
  message: string;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    return text ? `${text}.${String(segment)}` : String(segment);
  }, '');
}

/** Parses a mapping file's text; every problem names the field it is in. */
export function parseCsvMapping(
  text: string,
): { ok: true; mapping: CsvMapping } | { ok: false; issues: MappingIssue[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: `not valid JSON: ${(error as Error).message}` }] };
  }
  const parsed = csvMappingSchema.safeParse(json);
  if (parsed.success) return { ok: true, mapping: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  };
}
