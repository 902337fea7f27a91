import fc from 'fast-check';
import { hostileValue, valueOf, type JsonSchema, type SchemaContext } from './openapi-arbitraries.ts';

/** One operation of the OpenAPI document, as the fuzz test reads it. */
export interface DocumentedOperation {
  method: string;
  path: string;
  security?: Array<Record<string, unknown>>;
  parameters: Array<{ name?: string; in?: string; required?: boolean; schema?: JsonSchema; $ref?: string }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
}

/** A request as sent: everything in it is printable, so a failure can be reproduced by hand. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Credentials {
  apiAuth: string;
  trackingAuth: string;
}

/** Header values go as bytes: UTF-8 text as Latin-1, without the characters that end a header. */
function headerSafe(value: string): string {
  return Buffer.from(value.replace(/[\r\n\0]/g, ''), 'utf8').toString('latin1');
}

function text(value: unknown): string {
  // A lone surrogate cannot be put in a URL; the replacement character stands in for it.
  if (typeof value === 'string')
    return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return JSON.stringify(value) ?? 'undefined';
}

function authOf(operation: DocumentedOperation, credentials: Credentials): fc.Arbitrary<string | undefined> {
  const scheme = Object.keys(operation.security?.[0] ?? {})[0];
  if (scheme === undefined) return fc.constant(undefined);
  const valid = scheme === 'writeKey' ? credentials.trackingAuth : credentials.apiAuth;
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(valid) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        'Bearer sk_unknown',
        `Basic ${Buffer.from('wk_unknown:').toString('base64')}`,
        'Bearer',
        'Basic !!!',
        `Bearer ${'k'.repeat(4000)}`,
        scheme === 'writeKey' ? credentials.apiAuth : credentials.trackingAuth,
      ),
    },
  );
}

function parameterValue(
  parameter: DocumentedOperation['parameters'][number],
  context: SchemaContext,
  collection: string,
): fc.Arbitrary<string> {
  const preferred = context.idsOf(collection);
  const plain =
    parameter.in === 'path'
      ? fc.oneof(...(preferred.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...preferred) }] : []), {
          weight: 1,
          arbitrary: fc.constantFrom(...context.ids),
        })
      : valueOf(parameter.schema ?? {}, context, 0, false);
  return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: hostileValue(context) }).map(text);
}

function collectionOf(path: string, name: string): string {
  return path.split('/').find((_segment, index, segments) => segments[index + 1] === `{${name}}`) ?? '';
}

function pathAndQuery(operation: DocumentedOperation, context: SchemaContext): fc.Arbitrary<string> {
  const parameters = operation.parameters.filter((parameter) => parameter.in === 'path' || parameter.in === 'query');
  const values = parameters.map((parameter) =>
    fc.tuple(
      fc.constant(parameter),
      parameter.in === 'path' || parameter.required ? fc.constant(true) : fc.boolean(),
      // The collection a path id belongs to is the segment before it: /api/coupons/{id} → coupons.
      parameterValue(parameter, context, collectionOf(operation.path, parameter.name ?? '')),
    ),
  );
  const extra = fc.option(fc.tuple(fc.constantFrom('extra', 'limit', '__proto__'), hostileValue(context).map(text)));
  return fc.tuple(fc.tuple(...values), extra).map(([chosen, extraParameter]) => {
    let path = operation.path;
    const query = new URLSearchParams();
    for (const [parameter, present, value] of chosen) {
      if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
      else if (present) query.append(parameter.name ?? '', value);
    }
    if (extraParameter) query.append(extraParameter[0], extraParameter[1]);
    const search = query.toString();
    return search ? `${path}?${search}` : path;
  });
}

const brokenJson = ['{', '{"a":', '[1,2', 'nul', '{"a":1}{"b":2}', '\u0000', '"\\ud800"', '{"__proto__":{"x":1}}'];

function bodyOf(
  operation: DocumentedOperation,
  context: SchemaContext,
): fc.Arbitrary<{ type?: string; body?: string }> {
  const [declaredType, media] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
  const asJson = (value: unknown) => ({ type: 'application/json', body: JSON.stringify(value) ?? 'null' });
  const hostileBodies = fc.oneof(
    hostileValue(context).map(asJson),
    fc.constantFrom(...brokenJson).map((body) => ({ type: 'application/json', body })),
    fc
      .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'text/csv')
      .map((type) => ({ type, body: 'a=1' })),
  );
  if (!declaredType || !media)
    return fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: hostileBodies });
  if (declaredType !== 'application/json') {
    const lines = fc.array(
      fc.oneof(fc.constantFrom('email', 'phone', 'member_id', ...context.ids), hostileValue(context).map(text)),
      {
        maxLength: 6,
      },
    );
    return fc.oneof(
      { weight: 4, arbitrary: lines.map((rows) => ({ type: declaredType, body: rows.join('\n') })) },
      { weight: 1, arbitrary: hostileBodies },
    );
  }
  return fc.oneof(
    { weight: 3, arbitrary: valueOf(media.schema, context, 0, false).map(asJson) },
    { weight: 2, arbitrary: valueOf(media.schema, context, 0, true).map(asJson) },
    { weight: 1, arbitrary: hostileBodies },
  );
}

function idempotencyKeyOf(operation: DocumentedOperation): fc.Arbitrary<string | undefined> {
  if (!operation.parameters.some((parameter) => parameter.$ref === '#/components/parameters/IdempotencyKey'))
    return fc.constant(undefined);
  return fc.oneof(
    fc.constant(undefined),
    fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
    fc.constantFrom('', ' ', 'k'.repeat(65), 'ключ', '💥', 'a b', 'x'.repeat(9000)),
  );
}

/** Requests for one operation: mostly near the documented shape, many with something wrong. */
export function requestsFor(
  operation: DocumentedOperation,
  context: SchemaContext,
  credentials: Credentials,
): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      path: pathAndQuery(operation, context),
      auth: authOf(operation, credentials),
      key: idempotencyKeyOf(operation),
      body: bodyOf(operation, context),
    })
    .map(({ path, auth, key, body }) => ({
      method: operation.method,
      path,
      headers: {
        ...(auth === undefined ? {} : { authorization: headerSafe(auth) }),
        ...(key === undefined ? {} : { 'idempotency-key': headerSafe(key) }),
        ...(body.type === undefined ? {} : { 'content-type': body.type }),
      },
      ...(body.body === undefined ? {} : { body: body.body }),
    }));
}
