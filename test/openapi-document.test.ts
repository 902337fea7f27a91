import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemberApi, type ErrorBody } from './support/member-api.ts';
import { repoRoot } from './support/hearth-cli.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

interface Operation {
  operationId: string;
  security?: unknown[];
  parameters: Array<{ name?: string; in?: string; $ref?: string }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
}

interface Document {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; parameters: Record<string, unknown> };
}

let server: TestServer;
let document: Document;

beforeAll(async () => {
  server = await startTestServer();
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as Document;
});

afterAll(async () => {
  await server.close();
});

function operations(): Array<[string, Operation]> {
  return Object.entries(document.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
}

const errorReference = { $ref: '#/components/schemas/Error' };

/** Every operation that honours Idempotency-Key (they append the request to the log once per key). */
const idempotentOperations = [
  'PUT /api/badges/{id}',
  'POST /api/code-batches',
  'POST /api/codes/scan',
  'POST /api/coupon-templates',
  'POST /api/coupon-templates/{id}/issue',
  'POST /api/coupons/{id}/collect',
  'POST /api/coupons/{id}/redeem',
  'POST /api/coupons/{id}/release',
  'POST /api/coupons/{id}/reserve',
  'POST /api/coupons/{id}/revoke',
  'POST /api/members/{id}/coupons/claim',
  'POST /api/members/{id}/membership/cancel',
  'POST /api/members/{id}/membership/refund',
  'POST /api/members/{id}/membership/renew',
  'POST /api/members/{id}/membership/subscribe',
  'POST /api/members/{id}/points/adjust',
  'POST /api/members/{id}/points/commit',
  'POST /api/members/{id}/points/redeem',
  'POST /api/members/{id}/points/release',
  'POST /api/members/{id}/points/reserve',
  'POST /api/referrals/link',
  'POST /api/segments',
  'POST /api/stores/{id}/grants',
  'POST /api/tags/{id}/members',
  'POST /api/tags/{id}/members/upload',
  'PUT /api/coupon-templates/{id}',
  'PUT /api/membership-plans/{id}',
  'PUT /api/referrals/program',
  'PUT /api/stores/{id}',
].sort();

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document by an independent validator', async () => {
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result).toEqual({ valid: true });
    expect(document.openapi).toBe('3.1.0');
    const ids = operations().map(([, operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has a servers entry relative to where it was fetched', () => {
    expect(document.servers).toEqual([{ url: '/', description: 'The server this document was fetched from' }]);
  });

  it('names every component schema for what it is', () => {
    expect(Object.keys(document.components.schemas).sort()).toEqual(['Error', 'SegmentDefinition']);
    const text = JSON.stringify(document);
    expect(text).not.toContain('__schema');
    expect(text).toContain('"$ref":"#/components/schemas/SegmentDefinition"');
  });

  it('declares text/csv for CSV downloads and uploads', () => {
    for (const path of ['/api/coupon-templates/{id}/codes', '/api/code-batches/{id}/codes']) {
      const content = document.paths[path]?.get?.responses['200']?.content ?? {};
      expect([path, content]).toEqual([path, { 'text/csv': { schema: { type: 'string' } } }]);
    }
    const upload = document.paths['/api/tags/{id}/members/upload']?.post?.requestBody?.content ?? {};
    expect(upload).toEqual({ 'text/csv': { schema: { type: 'string' } } });
    const bodies = operations().flatMap(([name, operation]) =>
      Object.keys(operation.requestBody?.content ?? {}).map((type) => `${type} ${name}`),
    );
    expect(bodies.filter((body) => !body.startsWith('application/json '))).toEqual([
      'text/csv POST /api/tags/{id}/members/upload',
    ]);
  });

  it('serves a CSV download as text/csv, as documented', async () => {
    const api = createMemberApi(server);
    const created = await api.request<{ id: string }>('POST', '/api/code-batches', {
      body: { name: 'Lot 1', count: 2, worth: { type: 'points', points: 5 } },
    });
    expect(created.status).toBe(201);
    const csv = await fetch(`${server.url}/api/code-batches/${created.body.id}/codes`, {
      headers: { authorization: server.apiAuth },
    });
    expect([csv.status, csv.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
    expect((await csv.text()).split('\n')[0]).toBe('code,position,member_id,scanned_at');
  });

  it('declares Idempotency-Key on exactly the operations that honour it', async () => {
    const declared = operations()
      .filter(([, operation]) =>
        operation.parameters.some((parameter) => parameter.$ref === '#/components/parameters/IdempotencyKey'),
      )
      .map(([name]) => name)
      .sort();
    expect(declared).toEqual(idempotentOperations);
    expect(document.components.parameters.IdempotencyKey).toEqual({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Makes a retry safe: the same key with the same request gets the first answer; with another request, 422',
      schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
    });
    // The header is read where routes are registered, so no handler can honour it undeclared.
    const readers = sourceFiles(join(repoRoot, 'src')).filter((file) =>
      /readIdempotencyKey\(|headers\['idempotency-key'\]/.test(readFileSync(file, 'utf8')),
    );
    expect(readers.map((file) => file.slice(repoRoot.length + 1))).toEqual([
      'src/platform/http/idempotency-key.ts',
      'src/platform/http/routes.ts',
    ]);
    const api = createMemberApi(server);
    const refused = await api.request<ErrorBody>('POST', '/api/segments', {
      body: { name: 'Everyone', definition: { type: 'identifier', identifierType: 'email' } },
      headers: { 'idempotency-key': 'not a key' },
    });
    expect([refused.status, refused.body]).toEqual([
      400,
      {
        error: 'invalid_request',
        message: 'headers.idempotency-key: must be 1–64 letters, digits, or . _ : -',
        issues: [{ path: 'headers.idempotency-key', message: 'must be 1–64 letters, digits, or . _ : -' }],
      },
    ]);
  });

  it('describes error responses with their body where the route can answer them', () => {
    for (const [name, operation] of operations()) {
      const statuses = Object.keys(operation.responses);
      const secured = operation.security !== undefined;
      const hasPathId = operation.parameters.some((parameter) => parameter.in === 'path');
      const takesInput = operation.parameters.length > 0 || operation.requestBody !== undefined;
      expect([name, statuses.includes('401')]).toEqual([name, secured]);
      expect([name, statuses.includes('400')]).toEqual([name, takesInput]);
      if (hasPathId) expect([name, statuses.includes('404')]).toEqual([name, true]);
      if (!name.startsWith('GET ')) expect([name, statuses.includes('429')]).toEqual([name, true]);
      for (const status of statuses.filter((status) => Number(status) >= 400)) {
        const response = operation.responses[status];
        expect([name, status, response?.content]).toEqual([
          name,
          status,
          { 'application/json': { schema: errorReference } },
        ]);
        expect(response?.description.length).toBeGreaterThan(0);
      }
    }
    const adjust = document.paths['/api/members/{id}/points/adjust']?.post?.responses ?? {};
    expect(Object.keys(adjust).sort()).toEqual(['200', '400', '401', '404', '409', '422', '429', '503']);
    const scan = document.paths['/api/codes/scan']?.post?.responses ?? {};
    expect(scan['429']?.description).toBe('too many unknown codes from this member in the last hour (Retry-After)');
    expect(Object.keys(document.paths['/healthz']?.get?.responses ?? {}).sort()).toEqual(['200', '503']);
  });

  it('describes a success answered with another status with the success body', () => {
    const issue = document.paths['/api/coupon-templates/{id}/issue']?.post?.responses ?? {};
    expect(issue['202']?.content).toEqual(issue['201']?.content);
    expect(issue['202']?.description).toBe('a list or segment issue was accepted: follow the job');
  });
});

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}
