import type { Selectable } from 'kysely';
import type { DbExecutor, SqliteConnection } from '../../platform/db/database.ts';
import { selectByIds } from '../../platform/db/sqlite-statements.ts';
import type { PointsAccountsTable, PointsLotsTable, PointsReservationsTable } from '../../platform/db/schema.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import type { LedgerCache } from './ledger-cache.ts';
import type { ActiveProgram, MemberPoints } from './loyalty-fold.ts';
import { emptyTierState, type TierState } from './tier-rules.ts';
import { loyaltyProgramSchema, type LoyaltyProgram } from './loyalty-program.schema.ts';
import type { Allocation, PointsLot } from './points-lots.ts';
import { chunks } from '../../platform/db/chunks.ts';

export interface ProgramVersion {
  version: number;
  document: LoyaltyProgram;
  createdAt: number;
}

/** Saved versions never change, and every processing batch reads them: each is parsed once. */
const parsedVersions = new Map<string, LoyaltyProgram>();

/** Stored documents were valid when saved; parsing again fills in defaults added since. */
function toProgramVersion(row: {
  workspace_id: string;
  version: number;
  document: unknown;
  created_at: number;
}): ProgramVersion {
  const key = `${row.workspace_id}\u0000${row.version}\u0000${row.created_at}`;
  let document = parsedVersions.get(key);
  if (!document) {
    document = loyaltyProgramSchema.parse(parseJson(row.document));
    if (parsedVersions.size >= 1_000) parsedVersions.clear();
    parsedVersions.set(key, document);
  }
  return { version: row.version, document: structuredClone(document), createdAt: row.created_at };
}

export async function insertProgramVersion(
  db: DbExecutor,
  workspaceId: string,
  document: LoyaltyProgram,
  now: number,
): Promise<number> {
  const last = await db
    .selectFrom('loyalty_programs')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const version = Number(last?.version ?? 0) + 1;
  await db
    .insertInto('loyalty_programs')
    .values({ workspace_id: workspaceId, version, document: toJson(document), created_at: now })
    .execute();
  return version;
}

export async function readProgramVersions(db: DbExecutor, workspaceId: string): Promise<ProgramVersion[]> {
  const rows = await db
    .selectFrom('loyalty_programs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('version')
    .execute();
  return rows.map(toProgramVersion);
}

/** Every saved version by number, as the fold switches between them. */
export async function readProgramsByVersion(db: DbExecutor, workspaceId: string): Promise<Map<number, ActiveProgram>> {
  const saved = await readProgramVersions(db, workspaceId);
  return new Map(saved.map((program) => [program.version, { version: program.version, document: program.document }]));
}

export async function readActiveVersion(db: DbExecutor, workspaceId: string): Promise<number | null> {
  const row = await db
    .selectFrom('loyalty_active_programs')
    .select('version')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row?.version ?? null;
}

export async function saveActiveVersion(db: DbExecutor, workspaceId: string, version: number, eventId: string) {
  await db
    .insertInto('loyalty_active_programs')
    .values({ workspace_id: workspaceId, version, event_id: eventId })
    .onConflict((conflict) => conflict.column('workspace_id').doUpdateSet({ version, event_id: eventId }))
    .execute();
}

interface StoredLot {
  memberId: string;
  remaining: number;
  status: PointsLot['status'];
  reversed: number;
}

/**
 * What the database holds of each lot (as read, or as last saved), so a save rewrites only the
 * lots a batch changed. A cached ledger's lots keep theirs from the batch that saved them: a busy
 * member's thousands of lots are compared, not re-described, each batch.
 */
const storedLots = new WeakMap<PointsLot, StoredLot>();

export function markLotStored(lot: PointsLot, memberId: string): void {
  const stored = storedLots.get(lot);
  if (!stored) {
    storedLots.set(lot, { memberId, remaining: lot.remaining, status: lot.status, reversed: lot.reversed });
    return;
  }
  stored.memberId = memberId;
  stored.remaining = lot.remaining;
  stored.status = lot.status;
  stored.reversed = lot.reversed;
}

export function lotChanged(lot: PointsLot, memberId: string): boolean {
  const stored = storedLots.get(lot);
  return (
    stored === undefined ||
    stored.memberId !== memberId ||
    stored.remaining !== lot.remaining ||
    stored.status !== lot.status ||
    stored.reversed !== lot.reversed
  );
}

/**
 * Ledgers whose member had no hold stored when they were loaded. Saving one that still holds none
 * has no hold rows to delete; the delete ran for every saved member of every batch, though few
 * members ever hold points at a checkout. A ledger made any other way (a rebuild) is not in here.
 */
const loadedWithoutHolds = new WeakSet<MemberPoints['ledger']>();

export function mayHoldStoredHolds(ledger: MemberPoints['ledger']): boolean {
  return ledger.reservations.length > 0 || !loadedWithoutHolds.has(ledger);
}

function toLot(row: Selectable<PointsLotsTable>): PointsLot {
  return {
    id: row.id,
    points: row.points,
    remaining: row.remaining,
    status: row.status,
    earnedAt: row.earned_at,
    activatesAt: row.activates_at,
    expiresAt: row.expires_at,
    orderId: row.order_id,
    reversed: row.reversed,
  };
}

type AccountRow = Selectable<PointsAccountsTable>;
type LotRow = Selectable<PointsLotsTable>;
type HoldRow = Selectable<PointsReservationsTable>;

function toMemberPoints(row: AccountRow): MemberPoints {
  return {
    memberId: row.member_id,
    ledger: { lots: [], reservations: [], debt: row.debt },
    totals: {
      available: row.available,
      pending: row.pending,
      reserved: row.reserved,
      shortfall: row.shortfall,
      lifetimeEarned: row.lifetime_earned,
      lifetimeRedeemed: row.lifetime_redeemed,
      lifetimeExpired: row.lifetime_expired,
    },
    advancedTo: row.advanced_to,
    tier: { ...emptyTierState(), ...parseJson<Partial<TierState>>(row.tier_state) },
    revision: row.revision,
  };
}

/**
 * Balances, open lots and holds of these members; a member without an account starts empty.
 * `sqlite`: the processor's connection, only inside its transaction (see selectByIds): Kysely's
 * building of the id lists had cost more than SQLite's lookups, ~30 members a batch of operations.
 */
export async function loadMemberPoints(
  db: DbExecutor,
  workspaceId: string,
  memberIds: string[],
  cache?: LedgerCache,
  sqlite?: SqliteConnection,
): Promise<Map<string, MemberPoints>> {
  const members = new Map<string, MemberPoints>();
  const accounts = await selectByIds<AccountRow>(
    sqlite,
    { head: 'select * from points_accounts where workspace_id = ? and member_id', leading: [workspaceId] },
    [...new Set(memberIds)],
    (chunk) =>
      db
        .selectFrom('points_accounts')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('member_id', 'in', chunk)
        .execute(),
  );
  const uncached: string[] = [];
  for (const row of accounts) {
    const member = toMemberPoints(row);
    members.set(row.member_id, member);
    const cached = cache?.take(row.member_id, row.revision);
    if (cached) {
      member.ledger.lots = cached.lots;
      member.ledger.reservations = cached.reservations;
    } else uncached.push(row.member_id);
  }
  if (uncached.length > 0) {
    const lots = await selectByIds<LotRow>(
      sqlite,
      {
        head: 'select * from points_lots where member_id',
        tail: " and (remaining > 0 or status = 'pending') order by id",
      },
      uncached,
      (chunk) =>
        db
          .selectFrom('points_lots')
          .selectAll()
          .where('member_id', 'in', chunk)
          .where((eb) => eb.or([eb('remaining', '>', 0), eb('status', '=', 'pending')]))
          .orderBy('id')
          .execute(),
    );
    for (const row of lots) {
      const lot = toLot(row);
      markLotStored(lot, row.member_id);
      members.get(row.member_id)?.ledger.lots.push(lot);
    }
    const holds = await selectByIds<HoldRow>(
      sqlite,
      { head: 'select * from points_reservations where member_id' },
      uncached,
      (chunk) => db.selectFrom('points_reservations').selectAll().where('member_id', 'in', chunk).execute(),
    );
    for (const row of holds.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      members.get(row.member_id)?.ledger.reservations.push({
        id: row.id,
        orderId: row.order_id,
        points: row.points,
        expiresAt: row.expires_at,
        allocations: parseJson<Allocation[]>(row.allocations),
      });
    }
  }
  for (const member of members.values()) {
    if (member.ledger.reservations.length === 0) loadedWithoutHolds.add(member.ledger);
  }
  return members;
}

/** The lots an order earned, spent or not: a refund takes back from them. */
export async function loadLotsOfOrders(
  db: DbExecutor,
  workspaceId: string,
  orderIds: string[],
): Promise<Array<PointsLot & { memberId: string }>> {
  const lots: Array<PointsLot & { memberId: string }> = [];
  for (const chunk of chunks([...new Set(orderIds)])) {
    const rows = await db
      .selectFrom('points_lots')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('order_id', 'in', chunk)
      .orderBy('id')
      .execute();
    for (const row of rows) lots.push({ ...toLot(row), memberId: row.member_id });
  }
  return lots;
}

export async function loadUsage(db: DbExecutor, workspaceId: string, keys: string[]): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  const wanted = keys.map((key) => key.split('\u0000') as [string, string]);
  for (const chunk of chunks(wanted)) {
    const rows = await db
      .selectFrom('loyalty_rule_usage')
      .select(['rule_id', 'scope', 'points'])
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or(chunk.map(([rule, scope]) => eb.and([eb('rule_id', '=', rule), eb('scope', '=', scope)]))))
      .execute();
    for (const row of rows) usage.set(`${row.rule_id}\u0000${row.scope}`, row.points);
  }
  return usage;
}

/** Each member's current tier id (null without one), for other modules' rules limited to tiers. */
export async function readTierIds(db: DbExecutor, memberIds: string[]): Promise<Map<string, string | null>> {
  const tiers = new Map<string, string | null>(memberIds.map((id) => [id, null]));
  for (const chunk of chunks(memberIds)) {
    const rows = await db
      .selectFrom('points_accounts')
      .select(['member_id', 'tier_id'])
      .where('member_id', 'in', chunk)
      .execute();
    for (const row of rows) tiers.set(row.member_id, row.tier_id);
  }
  return tiers;
}
