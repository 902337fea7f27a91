import fc from 'fast-check';

/** A JSON Schema node of the OpenAPI document. */
export type JsonSchema = Record<string, unknown>;

export interface SchemaContext {
  /** `#/components/schemas/…` → the schema. */
  resolve(reference: string): JsonSchema;
  /** Ids the seeded workspace holds (members, templates, coupons, tags…), to put in the wrong places too. */
  ids: readonly string[];
  /** The seeded ids of one collection (`members`, `coupon-templates`…), by the path segment naming it. */
  idsOf(collection: string): readonly string[];
}

/** How far generation follows a recursive schema before it stops with a plain value. */
const maxDepth = 4;

function nested(depth: number, leaf: unknown): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? { a: value } : [value];
  return value;
}

const awkwardStrings = [
  '',
  ' ',
  '\u0000',
  '\u202e‮gnp.exe',
  '💥🔥',
  'Ω≈ç√∫',
  'ＡＢＣ',
  '../../etc/passwd',
  "' OR 1=1 --",
  '%00%2F',
  'NaN',
  '1e400',
  '-0',
  '2026-02-30T25:61:00Z',
  '\ud800',
  'null',
];

const awkwardNumbers = [
  -1,
  0,
  0.5,
  -0.0001,
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
];

/** Values that break some rule: wrong types, bounds, unicode, very long strings, deep nesting, bad ids. */
export function hostileValue(context: SchemaContext): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.constantFrom(...awkwardNumbers),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(...awkwardStrings),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.integer({ min: 300, max: 200_000 }).map((length) => 'é'.repeat(length)),
    fc.integer({ min: 20, max: 3_000 }).map((depth) => nested(depth, 'deep')),
    fc.constantFrom(...context.ids),
    fc.constantFrom(...context.ids).map((id) => `${id}x`),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  );
}

function stringOf(schema: JsonSchema, context: SchemaContext): fc.Arbitrary<unknown> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? Math.min(schema.maxLength, minLength + 20) : minLength + 20;
  const options: Array<fc.Arbitrary<unknown>> = [fc.string({ minLength, maxLength })];
  if (schema.format === 'date-time') options.push(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()));
  if (schema.format === 'date') options.push(fc.constantFrom('2026-01-01', '2026-05-31', '2027-02-28'));
  if (typeof schema.pattern === 'string') options.push(fc.stringMatching(new RegExp(schema.pattern, 'u')));
  if (context.ids.length > 0) options.push(fc.constantFrom(...context.ids));
  return fc.oneof(...options);
}

function numberOf(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const bound = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const min = Math.max(bound(schema.minimum, -1_000_000), -1_000_000_000);
  const max = Math.min(bound(schema.maximum, 1_000_000), 1_000_000_000);
  const exclusiveMin = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : min;
  const low = Math.max(min, exclusiveMin);
  const high = Math.max(low, max);
  return integer
    ? fc.integer({ min: Math.ceil(low), max: Math.floor(high) })
    : fc.double({ min: low, max: high, noNaN: true });
}

function objectOf(schema: JsonSchema, context: SchemaContext, depth: number, hostile: boolean) {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const entries = Object.entries(properties).map(([name, property]) => {
    // Optional fields come and go; in hostile mode one required field may go missing (below).
    const present = required.has(name) ? fc.constant(true) : fc.boolean();
    return fc.tuple(fc.constant(name), present, valueOf(property, context, depth + 1, hostile));
  });
  const extra = hostile
    ? fc.option(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', '💥'), hostileValue(context)))
    : fc.constant(null);
  const missing = hostile && required.size > 0 ? fc.option(fc.constantFrom(...required)) : fc.constant(null);
  return fc.tuple(fc.tuple(...entries), extra, missing).map(([fields, extraField, missingField]) => {
    const object: Record<string, unknown> = {};
    for (const [name, present, value] of fields) if (present && name !== missingField) object[name] = value;
    if (extraField) Object.defineProperty(object, extraField[0], { value: extraField[1], enumerable: true });
    return object;
  });
}

function conforming(
  schema: JsonSchema,
  context: SchemaContext,
  depth: number,
  hostile: boolean,
): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') {
    const target = context.resolve(schema.$ref);
    return fc.constant(null).chain(() => valueOf(target, context, depth + 1, hostile));
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const choices = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (choices) return fc.oneof(...choices.map((choice) => valueOf(choice, context, depth, hostile)));
  if (Array.isArray(schema.allOf)) return valueOf(schema.allOf[0] as JsonSchema, context, depth, hostile);
  const type = Array.isArray(schema.type) ? (schema.type[0] as string) : schema.type;
  switch (type) {
    case 'string':
      return stringOf(schema, context);
    case 'integer':
    case 'number':
      return numberOf(schema, type === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = typeof schema.minItems === 'number' ? Math.min(schema.minItems, 3) : 0;
      const items = (schema.items ?? {}) as JsonSchema;
      return fc.array(valueOf(items, context, depth + 1, hostile), { minLength, maxLength: minLength + 3 });
    }
    case 'object':
      return objectOf(schema, context, depth, hostile);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * A value for the schema: in plain mode one that conforms (so requests reach the handlers), in
 * hostile mode one where any node may be replaced by a hostile value or lose or gain a field.
 */
export function valueOf(
  schema: JsonSchema | boolean,
  context: SchemaContext,
  depth: number,
  hostile: boolean,
): fc.Arbitrary<unknown> {
  // `true` takes anything, `false` nothing (a tuple's closed tail): anything is as good as it gets.
  if (typeof schema === 'boolean') return fc.jsonValue({ maxDepth: 1 });
  if (depth > maxDepth) return hostile ? hostileValue(context) : fc.constant(null);
  const plain = conforming(schema, context, depth, hostile);
  return hostile ? fc.oneof({ weight: 5, arbitrary: plain }, { weight: 1, arbitrary: hostileValue(context) }) : plain;
}
