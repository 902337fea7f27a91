import type { DbExecutor } from '../../platform/db/database.ts';
import { parseJson } from '../../platform/db/json.ts';
import { clearTimers } from '../../platform/timers/timers.repo.ts';
import { loyaltyTimerOwner } from './loyalty-timers.ts';

/** A merged-away member's points history now belongs to the survivor. */
export async function reassignPoints(db: DbExecutor, mergedId: string, survivorId: string): Promise<void> {
  await db.updateTable('points_entries').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
  await db.updateTable('points_lots').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
  await db.updateTable('loyalty_orders').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
  await db.deleteFrom('points_reservations').where('member_id', '=', mergedId).execute();
  await db.deleteFrom('points_accounts').where('member_id', '=', mergedId).execute();
}

export async function readOperationResult(db: DbExecutor, eventId: string) {
  const row = await db
    .selectFrom('loyalty_operation_results')
    .selectAll()
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row ? { status: row.status, body: parseJson<Record<string, unknown>>(row.body) } : undefined;
}

/** Everything the loyalty stage derives from the log; program versions are configuration and stay. */
export const loyaltyDerivedTables = [
  'points_entries',
  'points_lots',
  'points_reservations',
  'points_accounts',
  'loyalty_rule_usage',
  'loyalty_orders',
  'loyalty_operation_results',
  'loyalty_active_programs',
  'loyalty_tier_changes',
] as const;

export async function resetLoyalty(db: DbExecutor): Promise<void> {
  for (const table of loyaltyDerivedTables) await db.deleteFrom(table).execute();
  await clearTimers(db, loyaltyTimerOwner);
}

export interface EntryRow {
  id: string;
  kind: string;
  available: number;
  pending: number;
  reserved: number;
  shortfall: number;
  at: number;
  reason: string;
  source: { type: string; id: string | null };
  orderId: string | null;
  programVersion: number | null;
  eventId: string;
}

/** Newest first; `beforeId` pages back from the previous page's last entry. */
export async function readEntries(
  db: DbExecutor,
  memberId: string,
  options: { beforeId?: string; limit: number },
): Promise<EntryRow[]> {
  let query = db.selectFrom('points_entries').selectAll().where('member_id', '=', memberId);
  if (options.beforeId) query = query.where('id', '<', options.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    available: row.available,
    pending: row.pending,
    reserved: row.reserved,
    shortfall: row.shortfall,
    at: row.at,
    reason: row.reason,
    source: { type: row.source_type, id: row.source_id },
    orderId: row.order_id,
    programVersion: row.program_version,
    eventId: row.event_id,
  }));
}

export interface OutstandingPoints {
  active: number;
  pending: number;
  reserved: number;
  debt: number;
  /** Active points by the instant they expire (only those expiring after `now`). */
  expiring: Array<{ expiresAt: number; points: number }>;
  lifetimeExpired: number;
  lifetimeRedeemed: number;
}

/** What the workspace owes in points as of `now`: lots not yet spent, expired or taken back. */
export async function readOutstandingPoints(
  db: DbExecutor,
  workspaceId: string,
  now: number,
): Promise<OutstandingPoints> {
  const open = () => db.selectFrom('points_lots').where('workspace_id', '=', workspaceId).where('remaining', '>', 0);
  // A pending lot whose return window has closed counts as active, as the ledger will make it.
  const spendable = () => open().where((eb) => eb.or([eb('status', '=', 'active'), eb('activates_at', '<=', now)]));
  const sum = async (query: ReturnType<typeof open>) =>
    Number((await query.select((eb) => eb.fn.sum<number>('remaining').as('points')).executeTakeFirst())?.points ?? 0);
  const active = await sum(
    spendable().where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
  );
  const pending = await sum(open().where('status', '=', 'pending').where('activates_at', '>', now));
  const expiredSince = await sum(spendable().where('expires_at', '<=', now));
  const expiring = await spendable()
    .select(['expires_at', (eb) => eb.fn.sum<number>('remaining').as('points')])
    .where('expires_at', '>', now)
    .groupBy('expires_at')
    .orderBy('expires_at')
    .execute();
  const holds = await db
    .selectFrom('points_reservations')
    .select((eb) => eb.fn.sum<number>('points').as('points'))
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  const accounts = await db
    .selectFrom('points_accounts')
    .select((eb) => [
      eb.fn.sum<number>('debt').as('debt'),
      eb.fn.sum<number>('lifetime_expired').as('expired'),
      eb.fn.sum<number>('lifetime_redeemed').as('redeemed'),
    ])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return {
    active,
    pending,
    reserved: Number(holds?.points ?? 0),
    debt: Number(accounts?.debt ?? 0),
    expiring: expiring.map((row) => ({ expiresAt: Number(row.expires_at), points: Number(row.points) })),
    lifetimeExpired: Number(accounts?.expired ?? 0) + expiredSince,
    lifetimeRedeemed: Number(accounts?.redeemed ?? 0),
  };
}

export interface EntryGroup {
  kind: string;
  sourceType: string;
  sourceId: string | null;
  available: number;
  pending: number;
  reserved: number;
  entries: number;
  firstAt: number;
  lastAt: number;
}

/** The member's ledger summed by what kind of entry and what caused it: the "why" of a balance. */
export async function readEntryGroups(db: DbExecutor, memberId: string): Promise<EntryGroup[]> {
  const rows = await db
    .selectFrom('points_entries')
    .select((eb) => [
      'kind',
      'source_type',
      'source_id',
      eb.fn.sum<number>('available').as('available'),
      eb.fn.sum<number>('pending').as('pending'),
      eb.fn.sum<number>('reserved').as('reserved'),
      eb.fn.countAll<number>().as('entries'),
      eb.fn.min('at').as('first_at'),
      eb.fn.max('at').as('last_at'),
    ])
    .where('member_id', '=', memberId)
    .groupBy(['kind', 'source_type', 'source_id'])
    .execute();
  return rows.map((row) => ({
    kind: row.kind,
    sourceType: row.source_type,
    sourceId: row.source_id,
    available: Number(row.available),
    pending: Number(row.pending),
    reserved: Number(row.reserved),
    entries: Number(row.entries),
    firstAt: Number(row.first_at),
    lastAt: Number(row.last_at),
  }));
}

/** The events behind a rule's points for a member, newest first. */
export async function readRuleEvents(db: DbExecutor, memberId: string, ruleId: string, limit: number) {
  const rows = await db
    .selectFrom('points_entries')
    .select(['event_id', 'available', 'pending', 'at', 'reason'])
    .where('member_id', '=', memberId)
    .where('source_type', '=', 'rule')
    .where('source_id', '=', ruleId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    eventId: row.event_id,
    points: Number(row.available) + Number(row.pending),
    at: Number(row.at),
    reason: row.reason,
  }));
}
