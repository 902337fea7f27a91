import { z } from 'zod';
import type { HttpApp } from '../../platform/http/app.ts';
import { toRouteResult } from '../../platform/http/routes.ts';
import { csvLine } from '../audience/segment-export.ts';
import {
  batchParamsSchema,
  codeBatchListSchema,
  codeBatchSchema,
  createBatchBodySchema,
  homeStoreSchema,
  memberParamsSchema,
  scanAnswerSchema,
  scanBodySchema,
} from './product-codes.schema.ts';
import { codesExportQuerySchema } from './coupons.schema.ts';
import type { ProductCodesService } from './product-codes.service.ts';

export function registerProductCodesRoutes(http: HttpApp, dependencies: { productCodes: ProductCodesService }): void {
  const { productCodes } = dependencies;
  const common = { tag: 'benefits', auth: 'secret' } as const;
  http.route({
    ...common,
    method: 'POST',
    url: '/api/code-batches',
    summary:
      'Make a batch of unique, unguessable product codes, each worth points or a coupon when scanned (idempotent by Idempotency-Key)',
    body: createBatchBodySchema,
    response: codeBatchSchema,
    successStatus: 201,
    idempotencyKey: true,
    handler: async ({ workspaceId, body, idempotencyKey }) => {
      return toRouteResult(await productCodes.createBatch(workspaceId, body, idempotencyKey), codeBatchSchema);
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/code-batches',
    summary: 'Product code batches with how many were scanned',
    response: codeBatchListSchema,
    handler: async ({ workspaceId }) => ({ batches: await productCodes.listBatches(workspaceId) }),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/code-batches/:id',
    summary: 'One product code batch',
    params: batchParamsSchema,
    response: codeBatchSchema,
    handler: async ({ workspaceId, params }) => productCodes.getBatch(workspaceId, params.id),
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/code-batches/:id/codes',
    summary: 'The batch codes as CSV (code, position, member_id, scanned_at), for the printer',
    params: batchParamsSchema,
    query: codesExportQuerySchema,
    response: z.string(),
    responseType: 'text/csv',
    handler: async ({ workspaceId, params }) => {
      let csv = '';
      for await (const row of productCodes.exportCodes(workspaceId, params.id)) csv += csvLine(row);
      return csv;
    },
  });
  http.route({
    ...common,
    method: 'POST',
    url: '/api/codes/scan',
    summary: 'A member scans a product code: once ever; the points or coupon it is worth are granted',
    body: scanBodySchema,
    response: scanAnswerSchema,
    refusals: {
      '404':
        'no such code (counts toward the member’s limit of unknown codes), or unknown_store: a store the workspace does not have',
      '409': 'already scanned (the body says when)',
      '429': 'too many unknown codes from this member in the last hour (Retry-After)',
    },
    idempotencyKey: true,
    handler: async ({ workspaceId, body, reply, idempotencyKey }) => {
      const answer = await productCodes.scan(workspaceId, body, idempotencyKey);
      const retryAfter = answer.body.retryAfterSeconds;
      if (answer.status === 429 && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return toRouteResult(answer, scanAnswerSchema);
    },
  });
  http.route({
    ...common,
    method: 'GET',
    url: '/api/members/:id/home-store',
    summary: 'The store the member is bound to (by a product code scan), if any',
    params: memberParamsSchema,
    response: homeStoreSchema,
    handler: async ({ workspaceId, params }) => productCodes.homeStore(workspaceId, params.id),
  });
}
