import type { FastifyInstance } from 'fastify';
import { HearthError } from '../../platform/errors.ts';
import type { HttpApp } from '../../platform/http/app.ts';
import { decodeTrackingBody, findWriteKey } from './body-decoding.ts';
import {
  batchEnvelopeSchema,
  ingestLimits,
  ingestResponseSchema,
  processingStatusSchema,
  segmentMessageSchema,
} from './ingest.schema.ts';
import type { IngestRoute, IngestService } from './ingest.service.ts';

/** Full names and the short ones analytics.js uses. */
const routeNames: Array<[string, IngestRoute]> = [
  ['batch', 'batch'],
  ['b', 'batch'],
  ['identify', 'identify'],
  ['i', 'identify'],
  ['track', 'track'],
  ['t', 'track'],
  ['page', 'page'],
  ['p', 'page'],
  ['screen', 'screen'],
  ['s', 'screen'],
  ['group', 'group'],
  ['g', 'group'],
  ['alias', 'alias'],
  ['a', 'alias'],
];

export function registerIngestRoutes(
  http: HttpApp,
  dependencies: { ingest: IngestService; authenticateWriteKey(key: string): Promise<string | undefined> },
): void {
  for (const [name, route] of routeNames) {
    http.documented.push({
      method: 'POST',
      url: `/v1/${name}`,
      summary:
        name === route
          ? `Segment-compatible ${route} call${route === 'batch' ? 's (up to 2500 events)' : ''}`
          : `Short form of /v1/${route}, as analytics.js sends it`,
      tag: 'tracking',
      auth: 'write',
      body: route === 'batch' ? batchEnvelopeSchema : segmentMessageSchema,
      response: ingestResponseSchema,
      successStatus: 200,
      extraResponses: { '429': 'Overloaded; retry after Retry-After seconds', '503': 'Transient fault; retry' },
    });
  }

  http.route({
    method: 'GET',
    url: '/api/processing',
    summary:
      "How far processing has got with this workspace's events: how many accepted events it has not reached, and since when",
    tag: 'tracking',
    auth: 'secret',
    response: processingStatusSchema,
    handler: async ({ workspaceId, reply }) => {
      reply.header('Cache-Control', 'no-store');
      return dependencies.ingest.processingStatus(workspaceId);
    },
  });

  const authenticate = async (writeKey: string): Promise<string> => {
    const workspaceId = await dependencies.authenticateWriteKey(writeKey);
    if (!workspaceId) throw new HearthError('unauthorized', 'unknown write key');
    return workspaceId;
  };

  // Encapsulated: the tracking API reads raw bytes itself (gzip, text/plain, its own size limits).
  void http.app.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: ingestLimits.maxRequestBytes },
      (_request, body, done) => done(null, body),
    );
    // Browsers post from the brand's own sites (analytics.js), so every origin may send events, since
    // the write key, not a cookie, is what authorizes them.
    scope.addHook('onRequest', async (request, reply) => {
      reply.header('Access-Control-Allow-Origin', request.headers.origin ?? '*');
      reply.header('Vary', 'Origin');
    });
    for (const [name, route] of routeNames) {
      scope.options(`/v1/${name}`, async (_request, reply) =>
        reply
          .status(204)
          .header('Access-Control-Allow-Methods', 'POST, OPTIONS')
          .header('Access-Control-Allow-Headers', 'Authorization, Content-Type, Content-Encoding')
          .header('Access-Control-Max-Age', '86400')
          .send(),
      );
      scope.post(`/v1/${name}`, { bodyLimit: ingestLimits.maxRequestBytes }, async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const contentEncoding = request.headers['content-encoding'];
        // With the key in the header (every server-side library), the workspace is known before the
        // body is read, and the body is decoded where it is validated: on a preparation thread.
        const headerKey = findWriteKey(request.headers.authorization, undefined);
        if (headerKey) {
          const workspaceId = await authenticate(headerKey);
          await dependencies.ingest.ingestEncoded(workspaceId, { body: raw, contentEncoding }, route);
          return reply.status(200).send({ success: true });
        }
        const body = decodeTrackingBody(raw, contentEncoding);
        const writeKey = findWriteKey(undefined, body);
        if (!writeKey) {
          throw new HearthError(
            'unauthorized',
            'send the write key as the HTTP Basic user name or as writeKey in the body',
          );
        }
        await dependencies.ingest.ingest(await authenticate(writeKey), body, route);
        return reply.status(200).send({ success: true });
      });
    }
  });
}
