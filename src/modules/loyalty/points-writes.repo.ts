import { chunks } from '../../platform/db/chunks.ts';
import { toJson } from '../../platform/db/json.ts';
import { writeRows, type RowsWrite } from '../../platform/db/row-writes.ts';
import type { WriteScope } from '../../platform/db/sqlite-statements.ts';
import type { MemberPoints, OperationResult, StoredEntry } from './loyalty-fold.ts';
import { lotChanged, markLotStored, mayHoldStoredHolds } from './loyalty.repo.ts';
import type { Reservation } from './points-ledger.ts';
import type { PointsLot } from './points-lots.ts';

/**
 * What the loyalty stage writes at the end of a batch: entries, the lots, holds and balance of
 * each member it touched, rule usage and operation answers. One `RowsWrite` per table serves both
 * dialects (see row-writes.ts).
 */
const rowsPerInsert = 300;

const entryRows: RowsWrite<StoredEntry & { workspaceId: string }> = {
  table: 'points_entries',
  columns: [
    'id',
    'workspace_id',
    'member_id',
    'event_id',
    'kind',
    'available',
    'pending',
    'reserved',
    'shortfall',
    'at',
    'reason',
    'source_type',
    'source_id',
    'order_id',
    'lot_id',
    'reservation_id',
    'program_version',
  ],
  values: (line) => [
    line.id,
    line.workspaceId,
    line.memberId,
    line.eventId,
    line.kind,
    line.available,
    line.pending,
    line.reserved,
    line.shortfall,
    line.at,
    line.reason,
    line.source.type,
    line.source.id,
    line.orderId,
    line.lotId,
    line.reservationId,
    line.programVersion,
  ],
};

export async function insertEntries(scope: WriteScope, workspaceId: string, entries: StoredEntry[]): Promise<void> {
  await writeRows(
    scope,
    entryRows,
    entries.map((entry) => ({ ...entry, workspaceId })),
  );
}

type Owned<T> = T & { workspaceId: string; memberId: string };

const lotRows: RowsWrite<Owned<PointsLot>> = {
  table: 'points_lots',
  columns: [
    'id',
    'workspace_id',
    'member_id',
    'points',
    'remaining',
    'status',
    'earned_at',
    'activates_at',
    'expires_at',
    'order_id',
    'reversed',
  ],
  onConflict: { target: ['id'], update: ['member_id', 'remaining', 'status', 'reversed'] },
  values: (lot) => [
    lot.id,
    lot.workspaceId,
    lot.memberId,
    lot.points,
    lot.remaining,
    lot.status,
    lot.earnedAt,
    lot.activatesAt,
    lot.expiresAt,
    lot.orderId,
    lot.reversed,
  ],
};

const holdRows: RowsWrite<Owned<Reservation>> = {
  table: 'points_reservations',
  columns: ['id', 'workspace_id', 'member_id', 'order_id', 'points', 'expires_at', 'allocations'],
  values: (hold) => [
    hold.id,
    hold.workspaceId,
    hold.memberId,
    hold.orderId,
    hold.points,
    hold.expiresAt,
    toJson(hold.allocations),
  ],
};

const accountColumns = [
  'available',
  'pending',
  'reserved',
  'debt',
  'shortfall',
  'lifetime_earned',
  'lifetime_redeemed',
  'lifetime_expired',
  'advanced_to',
  'tier_id',
  'tier_state',
  'revision',
];

const accountRows: RowsWrite<MemberPoints & { workspaceId: string }> = {
  table: 'points_accounts',
  columns: ['member_id', 'workspace_id', ...accountColumns],
  onConflict: { target: ['member_id'], update: accountColumns },
  values: (member) => [
    member.memberId,
    member.workspaceId,
    member.totals.available,
    member.totals.pending,
    member.totals.reserved,
    member.ledger.debt,
    member.totals.shortfall,
    member.totals.lifetimeEarned,
    member.totals.lifetimeRedeemed,
    member.totals.lifetimeExpired,
    Number.isFinite(member.advancedTo) ? member.advancedTo : 0,
    member.tier.tierId,
    toJson(member.tier),
    member.revision,
  ],
};

/** Rewrites the lots, holds and balance of each member the batch touched. */
export async function saveMemberPoints(scope: WriteScope, workspaceId: string, members: MemberPoints[]): Promise<void> {
  const changed = members.flatMap((member) =>
    member.ledger.lots.filter((lot) => lotChanged(lot, member.memberId)).map((lot) => ({ lot, member })),
  );
  await writeRows(
    scope,
    lotRows,
    changed.map(({ lot, member }) => ({ ...lot, workspaceId, memberId: member.memberId })),
  );
  for (const { lot, member } of changed) markLotStored(lot, member.memberId);
  const memberIds = members.filter((member) => mayHoldStoredHolds(member.ledger)).map((member) => member.memberId);
  for (const chunk of chunks(memberIds, rowsPerInsert)) {
    await scope.transaction.deleteFrom('points_reservations').where('member_id', 'in', chunk).execute();
  }
  const holds = members.flatMap((member) =>
    member.ledger.reservations.map((hold) => ({ ...hold, workspaceId, memberId: member.memberId })),
  );
  await writeRows(scope, holdRows, holds);
  await writeRows(
    scope,
    accountRows,
    members.map((member) => ({ ...member, workspaceId })),
  );
}

const usageRows: RowsWrite<{ workspaceId: string; key: string; points: number }> = {
  table: 'loyalty_rule_usage',
  columns: ['workspace_id', 'rule_id', 'scope', 'points'],
  onConflict: { target: ['workspace_id', 'rule_id', 'scope'], update: ['points'] },
  values: (usage) => {
    const [ruleId = '', scope = ''] = usage.key.split('\u0000');
    return [usage.workspaceId, ruleId, scope, usage.points];
  },
};

export async function saveUsage(scope: WriteScope, workspaceId: string, usage: Array<[string, number]>): Promise<void> {
  await writeRows(
    scope,
    usageRows,
    usage.map(([key, points]) => ({ workspaceId, key, points })),
  );
}

const resultRows: RowsWrite<OperationResult & { workspaceId: string }> = {
  table: 'loyalty_operation_results',
  columns: ['event_id', 'workspace_id', 'member_id', 'status', 'body'],
  values: (result) => [result.eventId, result.workspaceId, result.memberId, result.status, toJson(result.body)],
};

export async function insertOperationResults(scope: WriteScope, workspaceId: string, results: OperationResult[]) {
  await writeRows(
    scope,
    resultRows,
    results.map((result) => ({ ...result, workspaceId })),
  );
}
