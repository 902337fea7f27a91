import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type ZodType } from 'zod';
import { HearthError, invalidRequest, type Issue } from '../errors.ts';
import { readIdempotencyKey } from './idempotency-key.ts';
import { findNulCharacter, nulCharacterRule } from './nul-characters.ts';

export type AuthKind = 'secret' | 'none';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Set for routes with `auth: 'secret'`. */
  workspaceId: string;
  /** The Idempotency-Key header, read for routes that declare `idempotencyKey`. */
  idempotencyKey: string | undefined;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * An expected business outcome other than success (not enough points: 409), which a handler
 * returns rather than throws; the route answers with its status and body.
 */
export class Refusal {
  readonly status: number;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    this.status = status;
    this.body = body;
  }
}

/**
 * A committed answer whose body its response schema does not accept. It is still answered as
 * decided: a 500 after the commit would tell the client the request failed, and a retry without
 * a key would apply it twice. The route logs the mismatch, which is a fault to fix.
 */
export class UnshapedAnswer extends Refusal {
  readonly issues: Issue[];

  constructor(status: number, body: Record<string, unknown>, issues: Issue[]) {
    super(status, body);
    this.issues = issues;
  }
}

export interface RouteDefinition<P, Q, B, R> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  auth: AuthKind;
  params?: ZodType<P>;
  query?: ZodType<Q>;
  body?: ZodType<B>;
  /** The success body; documents the route and shapes the answer. */
  response: ZodType<R>;
  successStatus?: number;
  /** Refusals the route may answer with, by status, for the OpenAPI document. */
  refusals?: Record<string, string>;
  /** The route honours an Idempotency-Key header: read here, and documented, so the two can't drift. */
  idempotencyKey?: boolean;
  /** A body that is not JSON (a CSV upload), by media type, for the document; the module registers its parser. */
  bodyType?: 'text/csv';
  /** A success body that is not JSON (a CSV download), by media type; the route answers with it. */
  responseType?: 'text/csv';
  handler(input: RouteInput<P, Q, B>): Promise<R | Refusal>;
}

/** What the OpenAPI document needs of a route; kept as the routes register. */
export interface DocumentedRoute {
  method: string;
  url: string;
  summary: string;
  tag: string;
  auth: AuthKind | 'write';
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
  response: ZodType;
  successStatus: number;
  extraResponses?: Record<string, string>;
  idempotencyKey?: boolean;
  bodyType?: string;
  responseType?: string;
}

export type SecretAuthenticator = (request: FastifyRequest) => Promise<string>;

function toIssues(prefix: string, error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/**
 * Recursive schemas (a segment definition) are checked by recursion: input nested thousands of
 * levels deep overflows the stack before any rule can say so. That is bad input, not a fault.
 */
function safeParseBounded<T>(schema: ZodType<T>, value: unknown, where: string) {
  try {
    return schema.safeParse(value);
  } catch (error) {
    if (error instanceof RangeError) throw invalidRequest(where, 'nests too deeply');
    throw error;
  }
}

function parseOrThrow<T>(schema: ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const nul = findNulCharacter(value, where);
  if (nul !== undefined) throw invalidRequest(nul, nulCharacterRule);
  const result = safeParseBounded(schema, value, where);
  if (!result.success) {
    const issues = toIssues(where, result.error);
    const first = issues[0];
    throw new HearthError('invalid_request', first ? `${first.path}: ${first.message}` : 'invalid request', { issues });
  }
  return result.data;
}

/** Registers a management route: zod validates params, query and body, and the route joins the OpenAPI document. */
export function registerRoute<P, Q, B, R>(
  app: FastifyInstance,
  documented: DocumentedRoute[],
  authenticate: SecretAuthenticator,
  definition: RouteDefinition<P, Q, B, R>,
): void {
  documented.push({
    method: definition.method,
    url: definition.url,
    summary: definition.summary,
    tag: definition.tag,
    auth: definition.auth,
    ...(definition.params ? { params: definition.params } : {}),
    ...(definition.query ? { query: definition.query } : {}),
    ...(definition.body ? { body: definition.body } : {}),
    response: definition.response,
    successStatus: definition.successStatus ?? 200,
    ...(definition.refusals ? { extraResponses: definition.refusals } : {}),
    ...(definition.idempotencyKey ? { idempotencyKey: true } : {}),
    ...(definition.bodyType ? { bodyType: definition.bodyType } : {}),
    ...(definition.responseType ? { responseType: definition.responseType } : {}),
  });
  app.route({
    method: definition.method,
    url: definition.url,
    handler: async (request, reply) => {
      const workspaceId = definition.auth === 'secret' ? await authenticate(request) : '';
      const params = parseOrThrow(definition.params, request.params, 'params');
      const query = parseOrThrow(definition.query, request.query, 'query');
      const body = parseOrThrow(definition.body, request.body ?? {}, 'body');
      const idempotencyKey = definition.idempotencyKey
        ? readIdempotencyKey(request.headers['idempotency-key'])
        : undefined;
      const result = await definition.handler({ params, query, body, workspaceId, idempotencyKey, request, reply });
      if (result instanceof UnshapedAnswer)
        request.log.error({ issues: result.issues }, 'answer does not fit its schema');
      if (result instanceof Refusal) {
        reply.status(result.status);
        return result.body;
      }
      reply.status(definition.successStatus ?? 200);
      if (definition.responseType) reply.type(`${definition.responseType}; charset=utf-8`);
      return result;
    },
  });
}

/**
 * A decided operation as a route answers it: the success body shaped by the schema, or the
 * refusal as decided. With `keepStatus`, a success keeps the status the operation decided
 * (201 created, 202 accepted) rather than the route's. Never throws: the operation is committed.
 */
export function toRouteResult<T extends Record<string, unknown>>(
  answer: { status: number; body: Record<string, unknown> },
  schema: ZodType<T>,
  options: { keepStatus?: boolean } = {},
): T | Refusal {
  if (answer.status >= 300) return new Refusal(answer.status, answer.body);
  const shaped = schema.safeParse(answer.body);
  if (!shaped.success) return new UnshapedAnswer(answer.status, answer.body, toIssues('response', shaped.error));
  return options.keepStatus ? new Refusal(answer.status, shaped.data) : shaped.data;
}
