import { z, type ZodType } from 'zod';
import { idempotencyKeyHeaderSchema } from './idempotency-key.ts';
import type { DocumentedRoute } from './routes.ts';

/**
 * Shapes a schema refers to from inside itself (a recursive segment definition) become named
 * components: JSON Schema's local `#/$defs/…` would point at the document's root in OpenAPI.
 * They are named by their `.meta({ id })`; an output shape that differs from the input one of the
 * same name is `…Output`.
 */
type SharedSchemas = Record<string, unknown>;

const errorSchemaName = 'Error';

function rewriteReferences(value: unknown, renamed: Map<string, string>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_match, name: string) => {
      return `"#/components/schemas/${renamed.get(name) ?? name}"`;
    }),
  ) as Record<string, unknown>;
}

function sharedNameOf(name: string, io: 'input' | 'output', sameAs: (candidate: string) => boolean): string {
  const candidates = [name, io === 'output' ? `${name}Output` : `${name}Input`];
  for (const candidate of candidates) if (sameAs(candidate)) return candidate;
  for (let index = 2; ; index += 1) if (sameAs(`${candidates[1]}${index}`)) return `${candidates[1]}${index}`;
}

function liftDefinitions(
  json: Record<string, unknown>,
  io: 'input' | 'output',
  sharedSchemas: SharedSchemas,
): Record<string, unknown> {
  const { $defs: definitions = {}, ...rest } = json as { $defs?: Record<string, unknown> };
  const renamed = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    // A candidate fits when it is free or already holds this very shape (self-references included).
    const fits = (candidate: string) =>
      !(candidate in sharedSchemas) ||
      JSON.stringify(sharedSchemas[candidate]) ===
        JSON.stringify(rewriteReferences(definition, new Map([...renamed, [name, candidate]])));
    renamed.set(name, sharedNameOf(name, io, fits));
  }
  for (const [name, definition] of Object.entries(definitions)) {
    sharedSchemas[renamed.get(name) ?? name] = rewriteReferences(definition, renamed);
  }
  return rewriteReferences(rest, renamed);
}

/** OpenAPI 3.1 sets the dialect once for the document. */
function withoutDialect(json: object): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = json as Record<string, unknown>;
  return rest;
}

function toJsonSchema(schema: ZodType, io: 'input' | 'output', shared: SharedSchemas): Record<string, unknown> {
  return liftDefinitions(withoutDialect(z.toJSONSchema(schema, { io, unrepresentable: 'any' })), io, shared);
}

function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function parametersOf(route: DocumentedRoute, shared: SharedSchemas): Array<Record<string, unknown>> {
  const parameters: Array<Record<string, unknown>> = [];
  for (const [location, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = toJsonSchema(schema, 'input', shared) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: location,
        required: location === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  if (route.idempotencyKey) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  return parameters;
}

const errorSchema = {
  type: 'object',
  description: 'Why the request was not done: `error` is a stable code, `issues` name the fields and rules',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' } },
        required: ['path', 'message'],
      },
    },
  },
  required: ['error', 'message'],
};

const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key with the same request gets the first answer; with another request, 422',
  schema: withoutDialect(z.toJSONSchema(idempotencyKeyHeaderSchema.unwrap())),
};

function errorResponse(description: string): Record<string, unknown> {
  return {
    description,
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${errorSchemaName}` } } },
  };
}

/** The statuses any route of its kind can answer, before the refusals the route itself names. */
function standardErrors(route: DocumentedRoute): Record<string, string> {
  const takesInput = Boolean(route.params ?? route.query ?? route.body) || route.idempotencyKey === true;
  return {
    ...(takesInput ? { '400': 'Invalid input; `issues` name the field and the rule' } : {}),
    ...(route.auth === 'none' ? {} : { '401': 'Missing or unknown key' }),
    ...(route.params ? { '404': 'Nothing of that id in this workspace' } : {}),
    ...(route.idempotencyKey ? { '422': 'The Idempotency-Key was used for a different request' } : {}),
    // Writes wait in the log writer's queue, which refuses rather than grows without bound.
    ...(route.method === 'GET' ? {} : { '429': 'Overloaded; retry after Retry-After seconds' }),
    '503': 'A transient fault; retry shortly',
  };
}

function responsesOf(route: DocumentedRoute, shared: SharedSchemas): Record<string, unknown> {
  const success = (description: string) => ({
    description,
    content: route.responseType
      ? { [route.responseType]: { schema: { type: 'string' } } }
      : { 'application/json': { schema: toJsonSchema(route.response, 'output', shared) } },
  });
  const responses: Record<string, unknown> = { [String(route.successStatus)]: success('Success') };
  for (const [status, description] of Object.entries({ ...standardErrors(route), ...route.extraResponses })) {
    responses[status] = Number(status) < 300 ? success(description) : errorResponse(description);
  }
  return responses;
}

function operationOf(route: DocumentedRoute, shared: SharedSchemas): Record<string, unknown> {
  return {
    operationId: `${route.method.toLowerCase()}${toOpenApiPath(route.url).replace(/[^A-Za-z0-9]+(.)?/g, (_match, next?: string) => (next ?? '').toUpperCase())}`,
    summary: route.summary,
    tags: [route.tag],
    ...(route.auth === 'secret' ? { security: [{ secretKey: [] }] } : {}),
    ...(route.auth === 'write' ? { security: [{ writeKey: [] }, {}] } : {}),
    parameters: parametersOf(route, shared),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { [route.bodyType ?? 'application/json']: { schema: toJsonSchema(route.body, 'input', shared) } },
          },
        }
      : {}),
    responses: responsesOf(route, shared),
  };
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate the requests. */
export function buildOpenApiDocument(routes: DocumentedRoute[], version: string): Record<string, unknown> {
  const sharedSchemas: SharedSchemas = { [errorSchemaName]: errorSchema };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operations = (paths[toOpenApiPath(route.url)] ??= {});
    operations[route.method.toLowerCase()] = operationOf(route, sharedSchemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hearth API',
      version,
      description: 'Segment-compatible tracking API (/v1) and management API (/api).',
    },
    // Relative: the document describes whichever server answered it.
    servers: [{ url: '/', description: 'The server this document was fetched from' }],
    components: {
      schemas: sharedSchemas,
      parameters: { IdempotencyKey: idempotencyKeyParameter },
      securitySchemes: {
        secretKey: { type: 'http', scheme: 'bearer', description: 'A workspace secret key (sk_…)' },
        writeKey: { type: 'http', scheme: 'basic', description: 'A workspace write key (wk_…) as the user name' },
      },
    },
    paths,
  };
}
