import type { DbExecutor } from '../../platform/db/database.ts';
import { chunks } from '../../platform/db/chunks.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import type { ProductCodeScansTable } from '../../platform/db/benefits-schema.ts';
import type { BatchState, HomeStore, ProductCodeState, ScanRecord } from './product-code-fold.ts';
import type { CodeWorth } from './product-codes.schema.ts';

/** Loads and saves what the product codes stage derives; queries only. */

export async function loadBatches(db: DbExecutor, workspaceId: string): Promise<Map<string, BatchState>> {
  const rows = await db
    .selectFrom('product_code_batches')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .execute();
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        name: row.name,
        worth: parseJson<CodeWorth>(row.worth),
        size: Number(row.size),
        scanned: Number(row.scanned),
        bindStore: Number(row.binds_store) === 1,
        createdAt: Number(row.created_at),
      },
    ]),
  );
}

function toScan(row: ProductCodeScansTable): ScanRecord {
  return {
    code: row.code,
    batchId: row.batch_id,
    memberId: row.member_id,
    at: Number(row.at),
    channel: row.channel,
    location: row.location,
    store: row.store,
    eventId: row.event_id,
  };
}

/** For the codes a batch names: which pool owner each belongs to, and the scans already made. */
export async function loadNamedCodes(db: DbExecutor, workspaceId: string, codes: string[]) {
  const owners = new Map<string, string>();
  const scans = new Map<string, ScanRecord>();
  for (const chunk of chunks(codes)) {
    const pooled = await db
      .selectFrom('code_pool')
      .select(['code', 'owner_id'])
      .where('workspace_id', '=', workspaceId)
      .where('code', 'in', chunk)
      .execute();
    for (const row of pooled) owners.set(row.code, row.owner_id);
    const scanned = await db
      .selectFrom('product_code_scans')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('code', 'in', chunk)
      .execute();
    for (const row of scanned) scans.set(row.code, toScan(row));
  }
  return { owners, scans };
}

export async function loadFailures(db: DbExecutor, memberIds: string[], since: number): Promise<Map<string, number[]>> {
  const failures = new Map<string, number[]>();
  for (const chunk of chunks(memberIds)) {
    const rows = await db
      .selectFrom('product_code_attempts')
      .select(['member_id', 'at'])
      .where('member_id', 'in', chunk)
      .where('at', '>', since)
      .orderBy('at')
      .execute();
    for (const row of rows) failures.set(row.member_id, [...(failures.get(row.member_id) ?? []), Number(row.at)]);
  }
  return failures;
}

export async function loadHomeStores(db: DbExecutor, memberIds: string[]): Promise<Map<string, HomeStore>> {
  const stores = new Map<string, HomeStore>();
  for (const chunk of chunks(memberIds)) {
    const rows = await db.selectFrom('member_home_stores').selectAll().where('member_id', 'in', chunk).execute();
    for (const row of rows)
      stores.set(row.member_id, { store: row.store, boundAt: Number(row.bound_at), source: row.source });
  }
  return stores;
}

export async function saveProductCodeState(db: DbExecutor, state: ProductCodeState): Promise<void> {
  const workspace_id = state.workspaceId;
  for (const id of state.changedBatches) {
    const batch = state.batches.get(id);
    if (!batch) continue;
    const row = {
      id,
      workspace_id,
      name: batch.name,
      worth: toJson(batch.worth),
      size: batch.size,
      scanned: batch.scanned,
      binds_store: batch.bindStore ? 1 : 0,
      created_at: batch.createdAt,
    };
    await db
      .insertInto('product_code_batches')
      .values(row)
      .onConflict((conflict) => conflict.column('id').doUpdateSet({ scanned: batch.scanned }))
      .execute();
  }
  for (const chunk of chunks(state.newScans, 200)) {
    const rows = chunk.map((scan) => ({
      workspace_id,
      code: scan.code,
      batch_id: scan.batchId,
      member_id: scan.memberId,
      at: scan.at,
      channel: scan.channel,
      location: scan.location,
      store: scan.store,
      event_id: scan.eventId,
    }));
    await db.insertInto('product_code_scans').values(rows).execute();
  }
  for (const chunk of chunks(state.newAttempts, 200)) {
    const rows = chunk.map((attempt) => ({
      workspace_id,
      member_id: attempt.memberId,
      at: attempt.at,
      code: attempt.code,
      event_id: attempt.eventId,
    }));
    await db.insertInto('product_code_attempts').values(rows).execute();
  }
  for (const memberId of state.changedHomeStores) {
    const home = state.homeStores.get(memberId);
    if (!home) continue;
    const row = { member_id: memberId, workspace_id, store: home.store, bound_at: home.boundAt, source: home.source };
    await db
      .insertInto('member_home_stores')
      .values(row)
      .onConflict((conflict) =>
        conflict.column('member_id').doUpdateSet({ store: home.store, bound_at: home.boundAt, source: home.source }),
      )
      .execute();
  }
}

/** The tables whose rows `reassignProductCodeState` moves: a merged member with none needs nothing. */
export const memberStateTables = ['product_code_scans', 'product_code_attempts', 'member_home_stores'] as const;

export async function reassignProductCodeState(db: DbExecutor, mergedId: string, survivorId: string): Promise<void> {
  await db.updateTable('product_code_scans').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
  await db
    .updateTable('product_code_attempts')
    .set({ member_id: survivorId })
    .where('member_id', '=', mergedId)
    .execute();
  const survivorHasOne = await db
    .selectFrom('member_home_stores')
    .select('member_id')
    .where('member_id', '=', survivorId)
    .executeTakeFirst();
  if (survivorHasOne) await db.deleteFrom('member_home_stores').where('member_id', '=', mergedId).execute();
  else
    await db
      .updateTable('member_home_stores')
      .set({ member_id: survivorId })
      .where('member_id', '=', mergedId)
      .execute();
}

export async function readBatch(db: DbExecutor, workspaceId: string, batchId: string) {
  return (await loadBatches(db, workspaceId)).get(batchId);
}

export async function readHomeStore(db: DbExecutor, memberId: string): Promise<HomeStore | undefined> {
  return (await loadHomeStores(db, [memberId])).get(memberId);
}

export const productCodeDerivedTables = [
  'product_code_batches',
  'product_code_scans',
  'product_code_attempts',
  'member_home_stores',
] as const;

/** A batch's codes in position order, a page at a time, with who scanned each and when. */
export async function readBatchCodesPage(
  db: DbExecutor,
  workspaceId: string,
  batchId: string,
  afterPosition: number,
  limit: number,
) {
  const rows = await db
    .selectFrom('code_pool as pool')
    .leftJoin('product_code_scans as scans', (join) =>
      join.onRef('scans.code', '=', 'pool.code').on('scans.workspace_id', '=', workspaceId),
    )
    .select(['pool.code', 'pool.position', 'scans.member_id', 'scans.at'])
    .where('pool.owner_id', '=', batchId)
    .where('pool.position', '>', afterPosition)
    .orderBy('pool.position')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    code: row.code,
    position: Number(row.position),
    memberId: row.member_id,
    scannedAt: row.at === null ? null : Number(row.at),
  }));
}

/** The workspace a batch belongs to, for commands that name only the batch. */
export async function findBatchWorkspace(db: DbExecutor, batchId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('product_code_batches')
    .select('workspace_id')
    .where('id', '=', batchId)
    .executeTakeFirst();
  return row?.workspace_id;
}
