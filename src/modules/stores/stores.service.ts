import type { z } from 'zod';
import { cursorAfter } from '../../platform/page-cursor.ts';
import { fingerprintOf } from '../../platform/http/idempotency-key.ts';
import { notFound } from '../../platform/errors.ts';
import { answerOf, submitOperations, type OperationDependencies } from '../benefits/benefit-operations.ts';
import type { OperationAnswer } from '../benefits/coupon-state.ts';
import { iso, toEntryView, unknownStore, type StoreState } from './store-fold.ts';
import type {
  SaveStoreBody,
  StoreRequest,
  StoreView,
  bindingSchema,
  budgetSchema,
  storeMembersSchema,
} from './stores.schema.ts';
import * as repo from './stores.repo.ts';

type Page = { limit: number; cursor?: string | undefined };

export interface StoresService {
  save(workspaceId: string, storeId: string, body: SaveStoreBody, key: string | undefined): Promise<OperationAnswer>;
  list(workspaceId: string): Promise<StoreView[]>;
  get(workspaceId: string, storeId: string): Promise<StoreView>;
  members(workspaceId: string, storeId: string, page: Page): Promise<z.infer<typeof storeMembersSchema>>;
  bind(workspaceId: string, memberId: string, storeId: string, guide: string | undefined): Promise<OperationAnswer>;
  binding(workspaceId: string, memberId: string): Promise<z.infer<typeof bindingSchema>>;
  purchase(workspaceId: string, storeId: string, points: number, reference: string): Promise<OperationAnswer>;
  grant(
    workspaceId: string,
    storeId: string,
    body: { member: string; points: number; reason: string },
    key: string | undefined,
  ): Promise<OperationAnswer>;
  budget(workspaceId: string, storeId: string, page: Page): Promise<z.infer<typeof budgetSchema>>;
  /** Of these store ids, the ones the workspace has no store for. */
  unknownStores(workspaceId: string, storeIds: readonly string[]): Promise<string[]>;
  /** The refusal binding gives when a request names a store the workspace does not have. */
  refusalForUnknownStore(workspaceId: string, storeId: string): Promise<OperationAnswer | undefined>;
}

function toView(store: StoreState): StoreView {
  return { ...store, createdAt: iso(store.createdAt), updatedAt: iso(store.updatedAt) };
}

export function createStoresService(
  dependencies: OperationDependencies & { resolveMemberId(workspaceId: string, memberId: string): Promise<string> },
): StoresService {
  const db = dependencies.database.db;
  async function submit(workspaceId: string, key: string | undefined, fingerprint: string, request: StoreRequest) {
    const operation = { workspaceId, name: 'stores', eventName: 'Store Operation', key, fingerprint };
    const { stored, refused } = await submitOperations(dependencies, operation, [request]);
    return refused ?? answerOf(dependencies, stored[0]);
  }

  async function storeOf(workspaceId: string, storeId: string): Promise<StoreState> {
    const store = (await repo.loadStores(db, workspaceId)).get(storeId);
    if (!store) throw notFound(`no store ${storeId}`);
    return store;
  }

  /** A store of a joint dealer shares its members with the dealer's other stores. */
  async function sharingStores(workspaceId: string, store: StoreState): Promise<string[]> {
    const stores = await repo.loadStores(db, workspaceId);
    const dealer = store.dealerId ? stores.get(store.dealerId) : store.kind === 'dealer' ? store : undefined;
    if (!dealer || (dealer.membership !== 'joint' && dealer !== store)) return [store.id];
    return [...stores.values()]
      .filter((other) => other.dealerId === dealer.id || other.id === dealer.id)
      .map((other) => other.id);
  }

  async function unknownStores(workspaceId: string, storeIds: readonly string[]): Promise<string[]> {
    const stores = await repo.loadStores(db, workspaceId);
    return storeIds.filter((storeId) => !stores.has(storeId));
  }

  return {
    unknownStores,
    async refusalForUnknownStore(workspaceId, storeId) {
      return (await unknownStores(workspaceId, [storeId])).length > 0 ? unknownStore(storeId) : undefined;
    },
    async save(workspaceId, storeId, body, key) {
      const answer = await submit(workspaceId, key, fingerprintOf({ storeId, body }), {
        action: 'save-store',
        storeId,
        store: body,
      });
      return answer.status < 300
        ? { status: answer.status, body: toView(await storeOf(workspaceId, storeId)) }
        : answer;
    },
    list: async (workspaceId) => [...(await repo.loadStores(db, workspaceId)).values()].map(toView),
    get: async (workspaceId, storeId) => toView(await storeOf(workspaceId, storeId)),
    async members(workspaceId, storeId, page) {
      const stores = await sharingStores(workspaceId, await storeOf(workspaceId, storeId));
      const rows = await repo.readMembers(db, workspaceId, stores, {
        limit: page.limit + 1,
        afterMemberId: page.cursor,
      });
      const shown = rows.slice(0, page.limit);
      return {
        storeId,
        stores,
        members: shown.map((row) => ({ ...row, since: iso(row.since) })),
        nextCursor: cursorAfter(shown.at(-1)?.memberId, rows.length > page.limit),
      };
    },
    async bind(workspaceId, memberIdParam, storeId, guide) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const request: StoreRequest = { action: 'bind', memberId, storeId, guide: guide ?? null };
      return submit(workspaceId, undefined, fingerprintOf(request), request);
    },
    async binding(workspaceId, memberIdParam) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const row = await repo.readBinding(db, memberId);
      return {
        memberId,
        store: row?.store ?? null,
        guide: row?.guide ?? null,
        boundAt: row ? iso(Number(row.bound_at)) : null,
        source: row?.source ?? null,
      };
    },
    async purchase(workspaceId, storeId, points, reference) {
      // The reference is the key: buying again with it answers with the first purchase.
      const request: StoreRequest = { action: 'purchase', storeId, points, reference };
      return submit(workspaceId, `purchase-${storeId}-${reference}`.slice(0, 200), fingerprintOf(request), request);
    },
    async grant(workspaceId, storeId, body, key) {
      const memberId = await dependencies.resolveMemberId(workspaceId, body.member);
      const request: StoreRequest = { action: 'grant', storeId, memberId, points: body.points, reason: body.reason };
      return submit(workspaceId, key, fingerprintOf({ storeId, body }), request);
    },
    async budget(workspaceId, storeId, page) {
      const store = await storeOf(workspaceId, storeId);
      const rows = await repo.readEntries(db, workspaceId, storeId, { limit: page.limit + 1, beforeId: page.cursor });
      const shown = rows.slice(0, page.limit);
      return {
        storeId,
        budget: store.budget,
        entries: shown.map(toEntryView),
        nextCursor: cursorAfter(shown.at(-1)?.id, rows.length > page.limit),
      };
    },
  };
}
