import type { DerivedEvent, LoggedEvent } from '../../platform/processor/stage.ts';
import { isRecord } from '../../platform/values.ts';
import { pointsGrantedEvent } from '../loyalty/points-grants.ts';
import { normalizeCode } from './coupon-codes.ts';
import type { OperationAnswer } from './coupon-state.ts';
import type { CodeWorth, ProductCodeOperation, ProductCodeRequest } from './product-codes.schema.ts';

/** Decides product code batches and scans in log order: each code once, ever; guessing is slowed down. */

/** Failed scans a member may make in an hour before scans are refused for a while. */
export const attemptsPerHour = 10;
const hour = 3_600_000;

export const couponGrantedEventName = 'Coupon Granted';

export interface BatchState {
  id: string;
  name: string;
  worth: CodeWorth;
  size: number;
  scanned: number;
  bindStore: boolean;
  createdAt: number;
}

export interface ScanRecord {
  code: string;
  batchId: string;
  memberId: string;
  at: number;
  channel: string | null;
  location: string | null;
  store: string | null;
  eventId: string;
}

export interface HomeStore {
  store: string;
  boundAt: number;
  source: string;
}

export interface ProductCodeState {
  workspaceId: string;
  /** The workspace's stores as of this batch: a tracked scan naming another one binds no home store. */
  stores: ReadonlySet<string>;
  batches: Map<string, BatchState>;
  /** The batch each named code belongs to (codes of coupon templates are not in here). */
  owners: Map<string, string>;
  scans: Map<string, ScanRecord>;
  /** Failed scan times per member, the last hour's as loaded, then this batch's. */
  failures: Map<string, number[]>;
  homeStores: Map<string, HomeStore>;
  survivorOf(memberId: string): string;
  changedBatches: Set<string>;
  newScans: ScanRecord[];
  newAttempts: Array<{ memberId: string; at: number; code: string; eventId: string }>;
  changedHomeStores: Set<string>;
  answers: Map<string, OperationAnswer>;
  derivedEvents: DerivedEvent[];
}

type Scan = Omit<Extract<ProductCodeRequest, { action: 'scan' }>, 'action'>;

const iso = (instant: number) => new Date(instant).toISOString();

function refusal(status: number, body: Record<string, unknown>): OperationAnswer {
  return { status, body };
}

function recentFailures(state: ProductCodeState, memberId: string, now: number): number[] {
  return (state.failures.get(memberId) ?? []).filter((at) => at > now - hour && at <= now);
}

function grant(state: ProductCodeState, batch: BatchState, scan: ScanRecord, event: LoggedEvent): void {
  if (batch.worth.type === 'points') {
    const reason = `product code ${scan.code} (${batch.name})`;
    const points = {
      memberId: scan.memberId,
      points: batch.worth.points,
      reason,
      sourceType: 'benefit' as const,
      sourceId: `product-code:${batch.id}`,
    };
    state.derivedEvents.push(pointsGrantedEvent(points, state.workspaceId, event.eventTime, event.id));
    return;
  }
  state.derivedEvents.push({
    workspaceId: state.workspaceId,
    memberId: scan.memberId,
    name: couponGrantedEventName,
    at: event.eventTime,
    properties: { templateId: batch.worth.templateId, source: `product-code:${batch.id}` },
    causeEventId: event.id,
  });
}

function bindHomeStore(state: ProductCodeState, batch: BatchState, scan: ScanRecord): void {
  if (!batch.bindStore || scan.store === null || state.homeStores.has(scan.memberId)) return;
  if (!state.stores.has(scan.store)) return;
  state.homeStores.set(scan.memberId, { store: scan.store, boundAt: scan.at, source: `product-code:${scan.code}` });
  state.changedHomeStores.add(scan.memberId);
}

/** One scan: refused while the member has failed too often, unknown or already scanned codes refused. */
export function decideScan(state: ProductCodeState, input: Scan, event: LoggedEvent): OperationAnswer {
  const memberId = state.survivorOf(input.memberId);
  const now = event.eventTime;
  const failures = recentFailures(state, memberId, now);
  if (failures.length >= attemptsPerHour) {
    const retryAfterSeconds = Math.ceil(((failures[0] ?? now) + hour - now) / 1000);
    const message = `${attemptsPerHour} unknown codes in an hour: try again in ${retryAfterSeconds} s`;
    return refusal(429, { error: 'too_many_attempts', message, retryAfterSeconds });
  }
  const code = normalizeCode(input.code);
  const batch = state.batches.get(state.owners.get(code) ?? '');
  if (!batch) {
    state.failures.set(memberId, [...failures, now]);
    state.newAttempts.push({ memberId, at: now, code, eventId: event.id });
    return refusal(404, { error: 'unknown_code', message: `no product code ${code}` });
  }
  const earlier = state.scans.get(code);
  if (earlier) {
    const message = `the code was scanned at ${iso(earlier.at)}${earlier.memberId === memberId ? ' by this member' : ''}`;
    return refusal(409, { error: 'already_scanned', message, scannedAt: iso(earlier.at) });
  }
  const scan: ScanRecord = { ...input, code, batchId: batch.id, memberId, at: now, eventId: event.id };
  state.scans.set(code, scan);
  state.newScans.push(scan);
  batch.scanned += 1;
  state.changedBatches.add(batch.id);
  bindHomeStore(state, batch, scan);
  grant(state, batch, scan, event);
  const homeStore = state.homeStores.get(memberId)?.store ?? null;
  const { eventId: _eventId, ...shown } = scan;
  return { status: 200, body: { scan: { ...shown, at: iso(now), worth: batch.worth, homeStore } } };
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

/** A `Code Scanned` event from an app or a till: the same scan, with no one waiting for the answer. */
export function readScannedEvent(event: LoggedEvent): Scan | undefined {
  if (event.eventName !== 'Code Scanned' || !event.memberId) return undefined;
  const properties = isRecord(event.payload.properties) ? event.payload.properties : {};
  const context = isRecord(event.payload.context) ? event.payload.context : {};
  const code = text(properties.code);
  if (!code) return undefined;
  return {
    memberId: event.memberId,
    code,
    channel: text(properties.channel) ?? text(context.channel),
    location: text(properties.location),
    store: text(properties.store_id) ?? text(properties.store),
  };
}

export function foldProductCodeEvent(
  state: ProductCodeState,
  event: LoggedEvent,
  operation: ProductCodeOperation | undefined,
): void {
  const request = operation?.request;
  if (request?.action === 'create-batch') {
    const { action: _action, batchId, ...batch } = request;
    state.batches.set(batchId, { id: batchId, ...batch, scanned: 0, createdAt: event.eventTime });
    state.changedBatches.add(batchId);
    state.answers.set(event.id, { status: 201, body: { batchId } });
    return;
  }
  if (request?.action === 'scan') {
    const { action: _action, ...scan } = request;
    state.answers.set(event.id, decideScan(state, scan, event));
    return;
  }
  const scanned = readScannedEvent(event);
  if (scanned) decideScan(state, scanned, event);
}
