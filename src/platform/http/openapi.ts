import { z, type ZodType } from 'zod';
import type { DocumentedRoute } from './routes.ts';

/**
 * Shapes a schema refers to from inside itself (a recursive segment definition) become named
 * components: JSON Schema's local `#/$defs/…` would point at the document's root in OpenAPI.
 */
type SharedSchemas = Record<string, unknown>;

function liftDefinitions(json: Record<string, unknown>, sharedSchemas: SharedSchemas): Record<string, unknown> {
  const { $defs: definitions, ...rest } = json as { $defs?: Record<string, unknown> };
  const renamed = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions ?? {})) {
    let shared = name;
    for (let index = 2; shared in sharedSchemas; index += 1) {
      if (JSON.stringify(sharedSchemas[shared]) === JSON.stringify(definition)) break;
      shared = `${name}${index}`;
    }
    renamed.set(name, shared);
  }
  const rewrite = (value: Record<string, unknown>) =>
    JSON.parse(
      JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_match, name: string) => {
        return `"#/components/schemas/${renamed.get(name) ?? name}"`;
      }),
    ) as Record<string, unknown>;
  for (const [name, definition] of Object.entries(definitions ?? {})) {
    sharedSchemas[renamed.get(name) ?? name] = rewrite(definition as Record<string, unknown>);
  }
  return rewrite(rest);
}

function toJsonSchema(schema: ZodType, io: 'input' | 'output', shared: SharedSchemas): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return liftDefinitions(rest, shared);
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
  return parameters;
}

const errorBody = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    issues: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['error', 'message'],
};

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate the requests. */
export function buildOpenApiDocument(routes: DocumentedRoute[], version: string): Record<string, unknown> {
  const sharedSchemas: SharedSchemas = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.url);
    const operations = (paths[path] ??= {});
    const responses: Record<string, unknown> = {
      [String(route.successStatus)]: {
        description: 'Success',
        content: { 'application/json': { schema: toJsonSchema(route.response, 'output', sharedSchemas) } },
      },
      '400': {
        description: 'Invalid input; the body names the field and the rule',
        content: { 'application/json': { schema: errorBody } },
      },
      '401': { description: 'Missing or unknown key', content: { 'application/json': { schema: errorBody } } },
      ...Object.fromEntries(
        Object.entries(route.extraResponses ?? {}).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: errorBody } } },
        ]),
      ),
    };
    operations[route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === 'secret' ? { security: [{ secretKey: [] }] } : {}),
      ...(route.auth === 'write' ? { security: [{ writeKey: [] }, {}] } : {}),
      parameters: parametersOf(route, sharedSchemas),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toJsonSchema(route.body, 'input', sharedSchemas) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hearth API',
      version,
      description: 'Segment-compatible tracking API (/v1) and management API (/api).',
    },
    components: {
      schemas: sharedSchemas,
      securitySchemes: {
        secretKey: { type: 'http', scheme: 'bearer', description: 'A workspace secret key (sk_…)' },
        writeKey: { type: 'http', scheme: 'basic', description: 'A workspace write key (wk_…) as the user name' },
      },
    },
    paths,
  };
}
