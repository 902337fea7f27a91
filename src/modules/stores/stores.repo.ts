import type { DbExecutor } from '../../platform/db/database.ts';
import { chunks } from '../../platform/db/chunks.ts';
import type { StoreBudgetEntriesTable, StoresTable } from '../../platform/db/benefits-schema.ts';
import type { Binding, BudgetEntry, StoreFoldState, StoreState } from './store-fold.ts';

/** Stores, bindings and budget entries: queries only. */

function toStore(row: StoresTable): StoreState {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind === 'dealer' ? 'dealer' : 'store',
    dealerId: row.dealer_id,
    membership: row.membership === 'joint' ? 'joint' : 'single',
    budget: Number(row.budget),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toEntry(row: StoreBudgetEntriesTable): BudgetEntry {
  return {
    id: row.id,
    storeId: row.store_id,
    kind: row.kind === 'grant' ? 'grant' : 'purchase',
    points: Number(row.points),
    memberId: row.member_id,
    reason: row.reason,
    reference: row.reference,
    at: Number(row.at),
    eventId: row.event_id,
  };
}

export async function loadStores(db: DbExecutor, workspaceId: string): Promise<Map<string, StoreState>> {
  const rows = await db
    .selectFrom('stores')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  return new Map(rows.map((row) => [row.id, toStore(row)]));
}

export async function loadPurchases(db: DbExecutor, workspaceId: string, references: string[]): Promise<BudgetEntry[]> {
  const found: BudgetEntry[] = [];
  for (const chunk of chunks(references)) {
    const rows = await db
      .selectFrom('store_budget_entries')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', 'purchase')
      .where('reference', 'in', chunk)
      .execute();
    found.push(...rows.map(toEntry));
  }
  return found;
}

async function saveBinding(db: DbExecutor, workspaceId: string, binding: Binding): Promise<void> {
  const changes = { store: binding.store, guide: binding.guide, bound_at: binding.boundAt, source: binding.source };
  await db
    .insertInto('member_home_stores')
    .values({ member_id: binding.memberId, workspace_id: workspaceId, ...changes })
    .onConflict((conflict) => conflict.column('member_id').doUpdateSet(changes))
    .execute();
}

export async function saveStoreState(db: DbExecutor, state: StoreFoldState): Promise<void> {
  const workspace_id = state.workspaceId;
  for (const id of state.changedStores) {
    const store = state.stores.get(id);
    if (!store) continue;
    const changes = {
      name: store.name,
      kind: store.kind,
      dealer_id: store.dealerId,
      membership: store.membership,
      budget: store.budget,
      updated_at: store.updatedAt,
    };
    await db
      .insertInto('stores')
      .values({ workspace_id, id, created_at: store.createdAt, ...changes })
      .onConflict((conflict) => conflict.columns(['workspace_id', 'id']).doUpdateSet(changes))
      .execute();
  }
  for (const chunk of chunks(state.entries, 200)) {
    const rows = chunk.map((entry) => ({
      id: entry.id,
      workspace_id,
      store_id: entry.storeId,
      kind: entry.kind,
      points: entry.points,
      member_id: entry.memberId,
      reason: entry.reason,
      reference: entry.reference,
      at: entry.at,
      event_id: entry.eventId,
    }));
    await db.insertInto('store_budget_entries').values(rows).execute();
  }
  for (const binding of state.bindings) await saveBinding(db, workspace_id, binding);
}

export async function readEntries(
  db: DbExecutor,
  workspaceId: string,
  storeId: string,
  page: { limit: number; beforeId?: string | undefined },
): Promise<BudgetEntry[]> {
  let query = db
    .selectFrom('store_budget_entries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('store_id', '=', storeId);
  if (page.beforeId) query = query.where('id', '<', page.beforeId);
  return (await query.orderBy('id', 'desc').limit(page.limit).execute()).map(toEntry);
}

export async function readMembers(
  db: DbExecutor,
  workspaceId: string,
  storeIds: string[],
  page: { limit: number; afterMemberId?: string | undefined },
) {
  let query = db
    .selectFrom('member_home_stores')
    .select(['member_id', 'store', 'guide', 'bound_at'])
    .where('workspace_id', '=', workspaceId)
    .where('store', 'in', storeIds);
  if (page.afterMemberId) query = query.where('member_id', '>', page.afterMemberId);
  const rows = await query.orderBy('member_id').limit(page.limit).execute();
  return rows.map((row) => ({
    memberId: row.member_id,
    store: row.store,
    guide: row.guide,
    since: Number(row.bound_at),
  }));
}

export async function readBinding(db: DbExecutor, memberId: string) {
  return db.selectFrom('member_home_stores').selectAll().where('member_id', '=', memberId).executeTakeFirst();
}

export const storeDerivedTables = ['stores', 'store_budget_entries'] as const;
