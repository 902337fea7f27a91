import { couponDerivedTables } from '../../src/modules/benefits/coupons.repo.ts';
import { productCodeDerivedTables } from '../../src/modules/benefits/product-codes.repo.ts';
import { storeDerivedTables } from '../../src/modules/stores/stores.repo.ts';
import { badgeDerivedTables } from '../../src/modules/benefits/badges.repo.ts';
import { membershipDerivedTables } from '../../src/modules/benefits/memberships.repo.ts';
import { referralDerivedTables } from '../../src/modules/benefits/referrals.repo.ts';
import { rewardDerivedTables } from '../../src/modules/benefits/rewards.repo.ts';
import { qualityDerivedTables } from '../../src/modules/quality/quality.repo.ts';
import { sql } from 'kysely';
import type { Database, Db } from '../../src/platform/db/database.ts';
import { parseJson } from '../../src/platform/db/json.ts';
import { loyaltyDerivedTables } from '../../src/modules/loyalty/points.repo.ts';

/**
 * Everything the processor derives from the log, normalized so that two processings of the same
 * log compare equal: sorted, JSON parsed, and without wall-clock bookkeeping (updated_at, log seq).
 */
export interface DerivedState {
  checkpoint: number;
  members: Array<{
    id: string;
    workspaceId: string;
    createdAt: number;
    createdByEvent: string;
    mergedInto: string | null;
    traits: unknown;
    traitTimes: unknown;
    features: unknown;
  }>;
  identifiers: Array<{
    workspaceId: string;
    type: string;
    value: string;
    memberId: string;
    linkedAt: number;
    eventId: string;
  }>;
  identityLog: string[];
  orders: Array<Record<string, unknown>>;
  /** messageId → member the event was attributed to. */
  attribution: Array<[string, string | null]>;
  /** Every row of the loyalty stage's tables, as sorted JSON lines per table. */
  loyalty: Record<string, string[]>;
  /** Workspace → identity settings in force (derived from the log's settings changes). */
  identitySettings: Array<[string, unknown]>;
}

/** Numbers come back as strings from some drivers, JSON as text from SQLite: one normal form for both. */
function normalizeRow(row: Record<string, unknown>): string {
  // A revision is the log position an account was saved at: bookkeeping that depends on batching.
  const normal = Object.entries(row)
    .filter(([key]) => key !== 'revision')
    .map(([key, value]) => {
      if (typeof value === 'string' && /^-?\d+$/.test(value) && !/_id$|^id$/.test(key)) return [key, Number(value)];
      if (
        typeof value === 'string' &&
        (key === 'body' ||
          key === 'allocations' ||
          key === 'levels' ||
          key === 'definition' ||
          key === 'skipped' ||
          key === 'worth')
      )
        return [key, parseJson(value)];
      return [key, value];
    });
  return JSON.stringify(normal.sort(([a], [b]) => byKey(String(a), String(b))));
}

async function readLoyaltyState(db: Db): Promise<Record<string, string[]>> {
  const state: Record<string, string[]> = {};
  for (const table of loyaltyDerivedTables) {
    const rows = await db.selectFrom(table).selectAll().execute();
    state[table] = rows.map((row) => normalizeRow(row as Record<string, unknown>)).sort(byKey);
  }
  for (const table of [
    'member_life_stages',
    'life_stage_levels',
    'member_tags',
    'segments',
    'segment_members',
    'segment_sizes',
    'member_rfm',
    ...couponDerivedTables,
    ...productCodeDerivedTables,
    ...storeDerivedTables,
    ...badgeDerivedTables,
    ...membershipDerivedTables,
    ...referralDerivedTables,
    ...rewardDerivedTables,
    ...qualityDerivedTables,
  ] as const) {
    const rows = await db.selectFrom(table).selectAll().execute();
    state[table] = rows.map((row) => normalizeRow(row as unknown as Record<string, unknown>)).sort(byKey);
  }
  // Timers are derived too: replay must leave the same ones waiting.
  const timers = await db.selectFrom('timers').selectAll().execute();
  state.timers = timers.map((row) => normalizeRow(row as unknown as Record<string, unknown>)).sort(byKey);
  return state;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function readCheckpoint(db: Db): Promise<number> {
  const row = await db
    .selectFrom('processor_checkpoints')
    .select('position')
    .where('name', '=', 'main')
    .executeTakeFirst();
  return Number(row?.position ?? 0);
}

export async function readLastSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('last'))
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}

/**
 * After a kill -9, waits until PostgreSQL has ended the dead process's sessions: a COMMIT already
 * sent still lands, and an open transaction is rolled back, only once its backend notices.
 */
export async function waitForDeadSessions(database: Database, applicationName: string): Promise<void> {
  if (database.dialect !== 'postgres') return;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await sql<{ count: number }>`select count(*)::int as count from pg_stat_activity
      where datname = current_database() and application_name = ${applicationName}`.execute(database.db);
    if (rows[0]?.count === 0) return;
    if (Date.now() > deadline) throw new Error(`sessions of ${applicationName} are still open`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Reads in one snapshot. A process killed mid-COMMIT can still have that commit land on the
 * PostgreSQL side afterwards; reads spread over several statements would then mix two states.
 */
function inOneSnapshot<T>(database: Database, read: (db: Db) => Promise<T>): Promise<T> {
  const transaction = database.db.transaction();
  return (database.dialect === 'postgres' ? transaction.setIsolationLevel('repeatable read') : transaction).execute(
    read,
  );
}

export function snapshotDerivedState(database: Database): Promise<DerivedState> {
  return inOneSnapshot(database, readDerivedState);
}

async function readDerivedState(db: Db): Promise<DerivedState> {
  const members = await db.selectFrom('members').selectAll().execute();
  const identifiers = await db.selectFrom('identifiers').selectAll().execute();
  const log = await db.selectFrom('identity_log').selectAll().execute();
  const orders = await db.selectFrom('orders').selectAll().execute();
  const events = await db
    .selectFrom('events')
    .leftJoin('event_members', 'event_members.seq', 'events.seq')
    .select(['events.message_id', 'events.workspace_id', 'event_members.member_id'])
    .execute();
  return {
    checkpoint: await readCheckpoint(db),
    members: members
      .map((row) => ({
        id: row.id,
        workspaceId: row.workspace_id,
        createdAt: Number(row.created_at),
        createdByEvent: row.created_by_event,
        mergedInto: row.merged_into,
        traits: parseJson(row.traits),
        traitTimes: parseJson(row.trait_times),
        features: parseJson(row.features),
      }))
      .sort((a, b) => byKey(a.id, b.id)),
    identifiers: identifiers
      .map((row) => ({
        workspaceId: row.workspace_id,
        type: row.type,
        value: row.value,
        memberId: row.member_id,
        linkedAt: Number(row.linked_at),
        eventId: row.event_id,
      }))
      .sort((a, b) => byKey(`${a.workspaceId} ${a.type} ${a.value}`, `${b.workspaceId} ${b.type} ${b.value}`)),
    identityLog: log
      .map((row) =>
        JSON.stringify([
          row.workspace_id,
          row.kind,
          row.member_id,
          row.other_member_id,
          row.identifier_type,
          row.identifier_value,
          row.event_id,
          Number(row.at),
          parseJson(row.detail),
        ]),
      )
      .sort(byKey),
    orders: orders
      .map((row) => ({ ...row, total: Number(row.total), refunded: Number(row.refunded) }))
      .sort((a, b) => byKey(`${a.workspace_id} ${a.order_id}`, `${b.workspace_id} ${b.order_id}`)),
    attribution: events
      .map((row): [string, string | null] => [`${row.workspace_id}/${row.message_id}`, row.member_id])
      .sort((a, b) => byKey(a[0], b[0])),
    loyalty: await readLoyaltyState(db),
    identitySettings: (await db.selectFrom('workspaces').select(['id', 'identity_settings']).execute())
      .map((row): [string, unknown] => [row.id, parseJson(row.identity_settings)])
      .sort((a, b) => byKey(a[0], b[0])),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The order an `Order Completed` event completes, if it counts in the workspace currency's spend. */
function completedOrder(type: string, eventName: string | null, payload: unknown, currency: string) {
  if (type !== 'track' || eventName !== 'Order Completed' || !isRecord(payload)) return undefined;
  const properties = isRecord(payload.properties) ? payload.properties : {};
  const orderId = properties.order_id ?? properties.orderId;
  if ((typeof orderId !== 'string' && typeof orderId !== 'number') || String(orderId) === '') return undefined;
  const orderCurrency = typeof properties.currency === 'string' ? properties.currency.toUpperCase() : currency;
  return { orderId: String(orderId), counts: orderCurrency === currency };
}

/**
 * Checks the derived state against the log it claims to reflect, without the processor's code:
 * nothing past the checkpoint is applied, everything up to it is, and each member's eventCount and
 * orderCount equal what its attributed events give (an event applied twice shows up here).
 * Returns one line per problem; an empty list means consistent.
 */
export function findInconsistencies(database: Database): Promise<string[]> {
  return inOneSnapshot(database, checkConsistency);
}

async function checkConsistency(db: Db): Promise<string[]> {
  const problems: string[] = [];
  const position = await readCheckpoint(db);
  const currencies = new Map(
    (await db.selectFrom('workspaces').select(['id', 'currency']).execute()).map((row) => [row.id, row.currency]),
  );
  const events = await db
    .selectFrom('events')
    .leftJoin('event_members', 'event_members.seq', 'events.seq')
    .select([
      'events.seq',
      'events.id',
      'events.workspace_id',
      'event_members.member_id',
      'events.type',
      'events.event_name',
      'events.payload',
    ])
    .orderBy('events.seq')
    .execute();
  const applied = new Set<string>();
  const eventCounts = new Map<string, number>();
  const firstCompletion = new Map<string, { memberId: string; counts: boolean }>();
  let attributedPastCheckpoint = 0;
  let unattributedBeforeCheckpoint = 0;
  for (const event of events) {
    // Operations (clock ticks, settings, points actions) belong to no member.
    if (event.type === 'hearth_operation') continue;
    if (Number(event.seq) > position) {
      if (event.member_id !== null) attributedPastCheckpoint += 1;
      continue;
    }
    applied.add(event.id);
    if (event.member_id === null) {
      unattributedBeforeCheckpoint += 1;
      continue;
    }
    eventCounts.set(event.member_id, (eventCounts.get(event.member_id) ?? 0) + 1);
    const currency = currencies.get(event.workspace_id) ?? '';
    const order = completedOrder(event.type, event.event_name, parseJson(event.payload), currency);
    const key = order && `${event.workspace_id}/${order.orderId}`;
    if (order && key && !firstCompletion.has(key)) {
      firstCompletion.set(key, { memberId: event.member_id, counts: order.counts });
    }
  }
  if (attributedPastCheckpoint > 0)
    problems.push(`${attributedPastCheckpoint} events past checkpoint ${position} are attributed`);
  if (unattributedBeforeCheckpoint > 0)
    problems.push(`${unattributedBeforeCheckpoint} events up to ${position} have no member`);
  const orderCounts = new Map<string, number>();
  for (const { memberId, counts } of firstCompletion.values()) {
    if (counts) orderCounts.set(memberId, (orderCounts.get(memberId) ?? 0) + 1);
  }

  const members = await db
    .selectFrom('members')
    .select(['id', 'merged_into', 'created_by_event', 'features'])
    .execute();
  const live = new Set(members.filter((member) => member.merged_into === null).map((member) => member.id));
  for (const member of members) {
    const features = parseJson<{ eventCount?: number; orderCount?: number }>(member.features);
    const expectedEvents = eventCounts.get(member.id) ?? 0;
    const expectedOrders = orderCounts.get(member.id) ?? 0;
    if ((features.eventCount ?? 0) !== expectedEvents)
      problems.push(`member ${member.id}: eventCount ${features.eventCount} but ${expectedEvents} events`);
    if ((features.orderCount ?? 0) !== expectedOrders)
      problems.push(`member ${member.id}: orderCount ${features.orderCount} but ${expectedOrders} orders`);
    if (!applied.has(member.created_by_event))
      problems.push(`member ${member.id} was created by unapplied event ${member.created_by_event}`);
    if (member.merged_into !== null && !live.has(member.merged_into))
      problems.push(`member ${member.id} is merged into ${member.merged_into}, which is not a live member`);
  }
  for (const memberId of eventCounts.keys()) {
    if (!live.has(memberId)) problems.push(`events are attributed to ${memberId}, which is not a live member`);
  }
  const identifiers = await db.selectFrom('identifiers').select(['type', 'value', 'member_id', 'event_id']).execute();
  for (const row of identifiers) {
    if (!live.has(row.member_id)) problems.push(`identifier ${row.type}:${row.value} belongs to ${row.member_id}`);
    if (!applied.has(row.event_id)) problems.push(`identifier ${row.type}:${row.value} from unapplied ${row.event_id}`);
  }
  for (const row of await db.selectFrom('orders').select(['order_id', 'event_id']).execute()) {
    if (!applied.has(row.event_id)) problems.push(`order ${row.order_id} from unapplied event ${row.event_id}`);
  }
  for (const row of await db.selectFrom('identity_log').select(['kind', 'event_id']).execute()) {
    if (!applied.has(row.event_id)) problems.push(`identity_log ${row.kind} from unapplied event ${row.event_id}`);
  }
  return problems;
}

/** Rebuilds everything from the log in the running process: the state before and after, to compare. */
export async function replayInPlace(runtime: {
  database: Database;
  processor: { stop(): Promise<void>; reset(): Promise<void>; runUntilIdle(): Promise<number> };
}): Promise<{ live: DerivedState; replayed: DerivedState }> {
  const live = await snapshotDerivedState(runtime.database);
  await runtime.processor.stop();
  await runtime.processor.reset();
  await runtime.processor.runUntilIdle();
  return { live, replayed: await snapshotDerivedState(runtime.database) };
}
