import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { z } from 'zod';
import { HearthError, isTransientDatabaseFault } from '../errors.ts';
import type { Logger } from '../log.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { registerRoute, type DocumentedRoute, type RouteDefinition } from './routes.ts';

export interface HttpApp {
  app: FastifyInstance;
  documented: DocumentedRoute[];
  route<P, Q, B, R>(definition: RouteDefinition<P, Q, B, R>): void;
}

export interface HttpAppOptions {
  logger: Logger;
  version: string;
  authenticateSecret(key: string): Promise<string | undefined>;
  isReady(): boolean;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}

function mapError(
  error: unknown,
  logger: Logger,
  bodyLimit: number,
): { status: number; body: Record<string, unknown>; retryAfter?: number } {
  if (error instanceof HearthError) {
    return {
      status: error.status,
      body: { error: error.code, message: error.message, issues: error.issues },
      ...(error.retryAfterSeconds !== undefined ? { retryAfter: error.retryAfterSeconds } : {}),
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const message = `the request body is larger than ${bodyLimit / 1024} KB (${bodyLimit} bytes)`;
    return { status: 400, body: { error: 'invalid_request', message, issues: [{ path: '', message }] } };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return {
      status: fastifyError.statusCode === 415 ? 400 : fastifyError.statusCode,
      body: { error: 'invalid_request', message: fastifyError.message ?? 'invalid request', issues: [] },
    };
  }
  if (isTransientDatabaseFault(error)) {
    logger.warn({ err: error }, 'transient fault');
    return {
      status: 503,
      body: { error: 'unavailable', message: 'temporarily unavailable; retry shortly', issues: [] },
      retryAfter: 1,
    };
  }
  logger.error({ err: error }, 'unexpected error');
  return { status: 500, body: { error: 'internal', message: 'internal error', issues: [] } };
}

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  const documented: DocumentedRoute[] = [];
  let openApiDocument: Record<string, unknown> | undefined;

  app.setErrorHandler((error, request, reply) => {
    const mapped = mapError(error, options.logger, request.routeOptions.bodyLimit ?? 1024 * 1024);
    if (mapped.retryAfter !== undefined) reply.header('Retry-After', String(mapped.retryAfter));
    void reply.status(mapped.status).send(mapped.body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send({ error: 'not_found', message: `no route for ${request.method} ${request.url}`, issues: [] });
  });

  async function authenticate(request: FastifyRequest): Promise<string> {
    const token = bearerToken(request);
    if (!token) throw new HearthError('unauthorized', 'send a workspace secret key as Authorization: Bearer sk_…');
    const workspaceId = await options.authenticateSecret(token);
    if (!workspaceId) throw new HearthError('unauthorized', 'unknown or revoked secret key');
    return workspaceId;
  }

  const http: HttpApp = {
    app,
    documented,
    route: (definition) => registerRoute(app, documented, authenticate, definition),
  };

  http.route({
    method: 'GET',
    url: '/healthz',
    summary: 'Readiness: 200 once the server accepts events',
    tag: 'system',
    auth: 'none',
    response: z.object({ status: z.literal('ok') }),
    handler: async ({ reply }) => {
      if (!options.isReady()) throw new HearthError('unavailable', 'starting');
      reply.header('Cache-Control', 'no-store');
      return { status: 'ok' as const };
    },
  });
  http.route({
    method: 'GET',
    url: '/openapi.json',
    summary: 'This OpenAPI document: every route of the server',
    tag: 'system',
    auth: 'none',
    response: z.record(z.string(), z.unknown()),
    // Built once, on first ask: every route is registered before the server listens, and building
    // it converts every schema (hundreds of milliseconds).
    handler: async () => (openApiDocument ??= buildOpenApiDocument(documented, options.version)),
  });
  return http;
}
