import type { DbTransaction } from '../../platform/db/database.ts';
import { groupByWorkspace, type LoggedEvent, type Stage } from '../../platform/processor/stage.ts';
import { reassignMergedRows } from '../../platform/db/merged-rows.ts';
import { normalizeCode } from './coupon-codes.ts';
import type { CouponMemberViews } from './coupons.stage.ts';
import { saveAnswers } from './coupons.repo.ts';
import { foldProductCodeEvent, readScannedEvent, type ProductCodeState } from './product-code-fold.ts';
import { readProductCodeOperation } from './product-codes.schema.ts';
import * as repo from './product-codes.repo.ts';

const hour = 3_600_000;

function concernsProductCodes(events: LoggedEvent[]): boolean {
  return events.some((event) => event.payload.operation === 'product-codes' || event.eventName === 'Code Scanned');
}

/** Product codes: batches and scans decided in log order; the points or coupon a scan gives go to later stages. */
export function createProductCodesStage(dependencies: {
  views: Pick<CouponMemberViews, 'survivors'>;
  /** The stores stage runs first, so a store saved earlier in the batch is one of these. */
  storeIds(transaction: DbTransaction, workspaceId: string): Promise<ReadonlySet<string>>;
}): Stage {
  return {
    name: 'product-codes',
    async apply(batch) {
      await reassignMergedRows(
        batch.transaction,
        batch.merges,
        { tables: repo.memberStateTables },
        (merged, survivor) => repo.reassignProductCodeState(batch.transaction, merged, survivor),
      );
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        if (!concernsProductCodes(events)) continue;
        const operations = events.map((event) => readProductCodeOperation(event.payload));
        const scans = events.map((event, index) => {
          const request = operations[index]?.request;
          return request?.action === 'scan' ? request : readScannedEvent(event);
        });
        const wanted = scans.filter((scan) => scan !== undefined);
        const survivors = await dependencies.views.survivors(
          batch.transaction,
          wanted.map((scan) => scan.memberId),
        );
        const survivorOf = (memberId: string) => survivors.get(memberId) ?? memberId;
        const memberIds = [...new Set(wanted.map((scan) => survivorOf(scan.memberId)))];
        const since = Math.min(...events.map((event) => event.eventTime)) - hour;
        const named = await repo.loadNamedCodes(batch.transaction, workspaceId, [
          ...new Set(wanted.map((scan) => normalizeCode(scan.code))),
        ]);
        const state: ProductCodeState = {
          workspaceId,
          stores: await dependencies.storeIds(batch.transaction, workspaceId),
          batches: await repo.loadBatches(batch.transaction, workspaceId),
          ...named,
          failures: await repo.loadFailures(batch.transaction, memberIds, since),
          homeStores: await repo.loadHomeStores(batch.transaction, memberIds),
          survivorOf,
          changedBatches: new Set(),
          newScans: [],
          newAttempts: [],
          changedHomeStores: new Set(),
          answers: new Map(),
          derivedEvents: [],
        };
        for (const [index, event] of events.entries()) foldProductCodeEvent(state, event, operations[index]);
        await repo.saveProductCodeState(batch.transaction, state);
        await saveAnswers(batch, workspaceId, state.answers);
        for (const scan of state.newScans) batch.changedMembers.add(scan.memberId);
        batch.derivedEvents.push(...state.derivedEvents);
      }
    },
    async reset(transaction) {
      for (const table of repo.productCodeDerivedTables) await transaction.deleteFrom(table).execute();
    },
  };
}
