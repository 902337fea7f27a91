import type { DbTransaction } from '../../platform/db/database.ts';
import { groupByWorkspace, type Stage } from '../../platform/processor/stage.ts';
import { saveAnswers } from '../benefits/coupons.repo.ts';
import { foldStoreOperation, type StoreFoldState } from './store-fold.ts';
import { readStoreOperation } from './stores.schema.ts';
import * as repo from './stores.repo.ts';

/** Stores: saved, members bound, budgets bought and granted from, in log order; grants reach loyalty after. */
export function createStoresStage(dependencies: {
  survivors(transaction: DbTransaction, memberIds: string[]): Promise<Map<string, string>>;
}): Stage {
  return {
    name: 'stores',
    async apply(batch) {
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const operations = events.map((event) => readStoreOperation(event.payload));
        if (operations.every((operation) => operation === undefined)) continue;
        const requests = operations.map((operation) => operation?.request);
        const memberIds = requests.flatMap((request) => (request && 'memberId' in request ? [request.memberId] : []));
        const references = requests.flatMap((request) => (request?.action === 'purchase' ? [request.reference] : []));
        const survivors = await dependencies.survivors(batch.transaction, memberIds);
        const purchases = await repo.loadPurchases(batch.transaction, workspaceId, references);
        const state: StoreFoldState = {
          workspaceId,
          stores: await repo.loadStores(batch.transaction, workspaceId),
          purchases: new Map(purchases.map((entry) => [`${entry.storeId}|${entry.reference ?? ''}`, entry])),
          survivorOf: (memberId) => survivors.get(memberId) ?? memberId,
          changedStores: new Set(),
          bindings: [],
          entries: [],
          answers: new Map(),
          derivedEvents: [],
        };
        for (const [index, event] of events.entries()) {
          const operation = operations[index];
          if (operation) foldStoreOperation(state, event, operation);
        }
        await repo.saveStoreState(batch.transaction, state);
        await saveAnswers(batch, workspaceId, state.answers);
        for (const binding of state.bindings) batch.changedMembers.add(binding.memberId);
        batch.derivedEvents.push(...state.derivedEvents);
      }
    },
    async reset(transaction) {
      for (const table of repo.storeDerivedTables) await transaction.deleteFrom(table).execute();
    },
  };
}
