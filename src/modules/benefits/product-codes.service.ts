import type { z } from 'zod';
import { checkNamedTemplates } from './coupon-template-references.ts';
import { fingerprintOf, refusalForReusedKey } from '../../platform/http/idempotency-key.ts';
import type { Database } from '../../platform/db/database.ts';
import { HearthError, notFound } from '../../platform/errors.ts';
import { createId } from '../../platform/ids.ts';
import { findOperation } from '../ingest/operation-events.ts';
import { processThrough } from '../../platform/processor/catch-up.ts';
import { answerOf, submitOperations, type OperationDependencies } from './benefit-operations.ts';
import { generateCodes } from './coupon-codes.ts';
import * as pool from './coupon-codes.repo.ts';
import type { OperationAnswer } from './coupon-state.ts';
import type { BatchState } from './product-code-fold.ts';
import type {
  CodeBatch,
  ProductCodeRequest,
  ScanBody,
  createBatchBodySchema,
  homeStoreSchema,
} from './product-codes.schema.ts';
import * as repo from './product-codes.repo.ts';
import type { StoresService } from '../stores/stores.service.ts';

type CreateBatchBody = z.infer<typeof createBatchBodySchema>;

export interface ProductCodesService {
  createBatch(workspaceId: string, body: CreateBatchBody, key: string | undefined): Promise<OperationAnswer>;
  listBatches(workspaceId: string): Promise<CodeBatch[]>;
  getBatch(workspaceId: string, batchId: string): Promise<CodeBatch>;
  exportCodes(workspaceId: string, batchId: string): AsyncGenerator<string[]>;
  scan(workspaceId: string, body: ScanBody, key: string | undefined): Promise<OperationAnswer>;
  homeStore(workspaceId: string, memberId: string): Promise<z.infer<typeof homeStoreSchema>>;
}

function toView(batch: BatchState): CodeBatch {
  const { createdAt, ...shown } = batch;
  return { ...shown, createdAt: new Date(createdAt).toISOString() };
}

export function createProductCodesService(
  dependencies: OperationDependencies & {
    database: Database;
    resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
    /** A scan binds the member's home store: one the workspace does not have is refused as binding refuses it. */
    stores: Pick<StoresService, 'refusalForUnknownStore'>;
  },
): ProductCodesService {
  const db = dependencies.database.db;
  const submit = (workspaceId: string, key: string | undefined, fingerprint: string, request: ProductCodeRequest) =>
    submitOperations(
      dependencies,
      { workspaceId, name: 'product-codes', eventName: 'Product Code Operation', key, fingerprint },
      [request],
    );

  async function batchOf(workspaceId: string, batchId: string): Promise<BatchState> {
    const batch = await repo.readBatch(db, workspaceId, batchId);
    if (!batch) throw notFound(`no product code batch ${batchId}`);
    return batch;
  }

  /** The batch's codes go into the pool first; the batch exists (and its codes scan) from its operation on. */
  async function fillPool(workspaceId: string, batchId: string, body: CreateBatchBody): Promise<number> {
    let added = 0;
    for (let attempt = 0; added < body.count && attempt < 5; attempt += 1) {
      added += (
        await pool.addCodes(
          dependencies.database,
          workspaceId,
          batchId,
          generateCodes(body.pattern, body.count - added),
        )
      ).added;
    }
    if (added < body.count) throw new HearthError('unavailable', 'could not make enough unique codes; retry');
    return added;
  }

  async function createBatch(workspaceId: string, body: CreateBatchBody, key: string | undefined) {
    const worthTemplate = body.worth.type === 'coupon' ? body.worth.templateId : undefined;
    await checkNamedTemplates(db, workspaceId, [['body.worth.templateId', worthTemplate]]);
    const fingerprint = fingerprintOf(body);
    // A retry must not make a second set of codes: the first request's operation answers it.
    const earlier = key ? await findOperation(dependencies.database, workspaceId, `product-codes-${key}`) : undefined;
    let stored = earlier;
    if (earlier) {
      const refused = refusalForReusedKey(earlier, fingerprint);
      if (refused) return refused;
      await processThrough(dependencies.processor, earlier.seq);
    } else {
      const batchId = `pcb_${createId(dependencies.clock.now())}`;
      const size = await fillPool(workspaceId, batchId, body);
      const { name, worth, bindStore } = body;
      const request: ProductCodeRequest = { action: 'create-batch', batchId, name, worth, size, bindStore };
      const submitted = await submit(workspaceId, key, fingerprint, request);
      if (submitted.refused) return submitted.refused;
      stored = submitted.stored[0];
    }
    const answer = await answerOf(dependencies, stored);
    return { status: 201, body: toView(await batchOf(workspaceId, String(answer.body.batchId))) };
  }

  return {
    createBatch,
    listBatches: async (workspaceId) => [...(await repo.loadBatches(db, workspaceId)).values()].map(toView),
    getBatch: async (workspaceId, batchId) => toView(await batchOf(workspaceId, batchId)),
    async *exportCodes(workspaceId, batchId) {
      await batchOf(workspaceId, batchId);
      yield ['code', 'position', 'member_id', 'scanned_at'];
      const rows = pool.walkPool((after) => repo.readBatchCodesPage(db, workspaceId, batchId, after, 5_000));
      for await (const row of rows) {
        const scannedAt = row.scannedAt === null ? '' : new Date(row.scannedAt).toISOString();
        yield [row.code, String(row.position), row.memberId ?? '', scannedAt];
      }
    },
    async scan(workspaceId, body, key) {
      const memberId = await dependencies.resolveMemberId(workspaceId, body.member);
      const unknownStore = body.store
        ? await dependencies.stores.refusalForUnknownStore(workspaceId, body.store)
        : undefined;
      if (unknownStore) return unknownStore;
      const request: ProductCodeRequest = {
        action: 'scan',
        memberId,
        code: body.code,
        channel: body.channel ?? null,
        location: body.location ?? null,
        store: body.store ?? null,
      };
      const { stored, refused } = await submit(workspaceId, key, fingerprintOf(body), request);
      return refused ?? answerOf(dependencies, stored[0]);
    },
    async homeStore(workspaceId, memberIdParam) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const home = await repo.readHomeStore(db, memberId);
      return {
        memberId,
        store: home?.store ?? null,
        boundAt: home ? new Date(home.boundAt).toISOString() : null,
        source: home?.source ?? null,
      };
    },
  };
}
