import { describe, expect, it } from 'vitest';
import { pointsTotalCeiling } from '../../platform/amounts.ts';
import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { foldStoreOperation, type StoreFoldState } from './store-fold.ts';

const at = Date.UTC(2026, 0, 1);

function stateWithBudget(budget: number): StoreFoldState {
  const store = {
    id: 'SH-001',
    name: 'Jing’an',
    kind: 'store' as const,
    dealerId: null,
    membership: 'single' as const,
    budget,
    createdAt: at,
    updatedAt: at,
  };
  return {
    workspaceId: 'ws_1',
    stores: new Map([[store.id, store]]),
    purchases: new Map(),
    survivorOf: (memberId) => memberId,
    changedStores: new Set(),
    bindings: [],
    entries: [],
    answers: new Map(),
    derivedEvents: [],
  };
}

function purchase(state: StoreFoldState, points: number, id: string): void {
  const event: LoggedEvent = {
    seq: 1,
    id,
    workspaceId: 'ws_1',
    messageId: id,
    type: 'track',
    eventName: 'Store Operation',
    eventTime: at,
    receivedAt: at,
    payload: {},
    memberId: null,
  };
  const request = { action: 'purchase' as const, storeId: 'SH-001', points, reference: id };
  foldStoreOperation(state, event, { operation: 'stores', request, fingerprint: 'f' });
}

describe("a store's budget", () => {
  it('refuses a purchase that would take it above the ceiling, and keeps it as it was', () => {
    const state = stateWithBudget(pointsTotalCeiling - 5);
    purchase(state, 6, 'evt_1');
    const rule = `would take the store's budget above ${pointsTotalCeiling}`;
    expect(state.answers.get('evt_1')).toStrictEqual({
      status: 422,
      body: {
        error: 'total_over_ceiling',
        message: `points ${rule}`,
        budget: pointsTotalCeiling - 5,
        issues: [{ path: 'body.points', message: rule }],
      },
    });
    expect([state.stores.get('SH-001')?.budget, state.entries, [...state.changedStores]]).toStrictEqual([
      pointsTotalCeiling - 5,
      [],
      [],
    ]);
    purchase(state, 5, 'evt_2');
    expect([state.answers.get('evt_2')?.status, state.stores.get('SH-001')?.budget]).toEqual([200, pointsTotalCeiling]);
  });
});
