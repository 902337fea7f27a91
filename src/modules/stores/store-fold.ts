import { pointsTotalCeiling } from '../../platform/amounts.ts';
import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import { pointsGrantedEvent } from '../loyalty/points-grants.ts';
import type { SaveStoreBody, StoreOperation, StoreRequest } from './stores.schema.ts';

/** Stores, bindings and budgets decided in log order: a budget never goes below zero, however many grant at once. */

export interface StoreState {
  id: string;
  name: string;
  kind: SaveStoreBody['kind'];
  dealerId: string | null;
  membership: SaveStoreBody['membership'];
  budget: number;
  createdAt: number;
  updatedAt: number;
}

export interface BudgetEntry {
  id: string;
  storeId: string;
  kind: 'purchase' | 'grant';
  points: number;
  memberId: string | null;
  reason: string;
  reference: string | null;
  at: number;
  eventId: string;
}

export interface Binding {
  memberId: string;
  store: string;
  guide: string | null;
  boundAt: number;
  source: string;
}

export interface StoreFoldState {
  workspaceId: string;
  stores: Map<string, StoreState>;
  /** Purchases already made, by `storeId|reference`, for the references the batch names. */
  purchases: Map<string, BudgetEntry>;
  survivorOf(memberId: string): string;
  changedStores: Set<string>;
  bindings: Binding[];
  entries: BudgetEntry[];
  answers: Map<string, { status: number; body: Record<string, unknown> }>;
  derivedEvents: DerivedEvent[];
}

export const iso = (instant: number): string => new Date(instant).toISOString();

export function toEntryView(entry: BudgetEntry) {
  const { eventId: _eventId, storeId: _storeId, at, ...shown } = entry;
  return { ...shown, at: iso(at) };
}

function refusal(status: number, error: string, message: string, extra: Record<string, unknown> = {}) {
  return { status, body: { error, message, ...extra } };
}

/** How a request naming a store the workspace does not have is refused, wherever it names one. */
export function unknownStore(storeId: string) {
  return refusal(404, 'unknown_store', `no store ${storeId}`);
}

function saveStore(state: StoreFoldState, storeId: string, body: SaveStoreBody, event: LoggedEvent) {
  const dealer = body.dealerId ? state.stores.get(body.dealerId) : undefined;
  if (body.dealerId && dealer?.kind !== 'dealer') {
    return refusal(409, 'unknown_dealer', `no dealer ${body.dealerId}; save it first with kind "dealer"`);
  }
  const existing = state.stores.get(storeId);
  state.stores.set(storeId, {
    id: storeId,
    name: body.name,
    kind: body.kind,
    dealerId: body.dealerId ?? null,
    membership: body.membership,
    budget: existing?.budget ?? 0,
    createdAt: existing?.createdAt ?? event.eventTime,
    updatedAt: event.eventTime,
  });
  state.changedStores.add(storeId);
  return { status: existing ? 200 : 201, body: { storeId } };
}

function addEntry(
  state: StoreFoldState,
  store: StoreState,
  entry: Omit<BudgetEntry, 'id' | 'storeId' | 'at' | 'eventId'>,
  event: LoggedEvent,
) {
  const stored: BudgetEntry = {
    ...entry,
    id: `sbe_${event.id.replace(/^evt_/, '')}`,
    storeId: store.id,
    at: event.eventTime,
    eventId: event.id,
  };
  store.budget += entry.points;
  store.updatedAt = event.eventTime;
  state.changedStores.add(store.id);
  state.entries.push(stored);
  return { status: 200, body: { storeId: store.id, budget: store.budget, entry: toEntryView(stored) } };
}

function decide(state: StoreFoldState, request: StoreRequest, event: LoggedEvent) {
  if (request.action === 'save-store') return saveStore(state, request.storeId, request.store, event);
  const store = state.stores.get(request.storeId);
  if (!store) return unknownStore(request.storeId);
  switch (request.action) {
    case 'bind': {
      const binding = {
        memberId: state.survivorOf(request.memberId),
        store: store.id,
        guide: request.guide,
        boundAt: event.eventTime,
        source: 'staff',
      };
      state.bindings.push(binding);
      return { status: 200, body: { ...binding, boundAt: iso(binding.boundAt) } };
    }
    case 'purchase': {
      const earlier = state.purchases.get(`${store.id}|${request.reference}`);
      if (earlier)
        return { status: 200, body: { storeId: store.id, budget: store.budget, entry: toEntryView(earlier) } };
      if (store.budget + request.points > pointsTotalCeiling) {
        const rule = `would take the store's budget above ${pointsTotalCeiling}`;
        return refusal(422, 'total_over_ceiling', `points ${rule}`, {
          budget: store.budget,
          issues: [{ path: 'body.points', message: rule }],
        });
      }
      const answer = addEntry(
        state,
        store,
        {
          kind: 'purchase',
          points: request.points,
          memberId: null,
          reason: 'budget bought from the brand',
          reference: request.reference,
        },
        event,
      );
      const added = state.entries.at(-1);
      if (added) state.purchases.set(`${store.id}|${request.reference}`, added);
      return answer;
    }
    case 'grant': {
      if (store.budget < request.points) {
        return refusal(409, 'insufficient_budget', `the store has ${store.budget} points left to grant`, {
          budget: store.budget,
        });
      }
      const memberId = state.survivorOf(request.memberId);
      const answer = addEntry(
        state,
        store,
        { kind: 'grant', points: -request.points, memberId, reason: request.reason, reference: null },
        event,
      );
      const grant = {
        memberId,
        points: request.points,
        reason: request.reason,
        sourceType: 'store' as const,
        sourceId: store.id,
      };
      state.derivedEvents.push(pointsGrantedEvent(grant, state.workspaceId, event.eventTime, event.id));
      return answer;
    }
  }
}

export function foldStoreOperation(state: StoreFoldState, event: LoggedEvent, operation: StoreOperation): void {
  state.answers.set(event.id, decide(state, operation.request, event));
}
