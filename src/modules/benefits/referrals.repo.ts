import type { DbExecutor } from '../../platform/db/database.ts';
import { chunks } from '../../platform/db/chunks.ts';
import type { ReferralsTable } from '../../platform/db/benefits-schema.ts';
import { saveDefinition } from './definitions.repo.ts';
import type { Referral, ReferralFoldState } from './referral-rules.ts';

/** Referral codes and referrals: queries only. */

export const programId = 'default';

function toReferral(row: ReferralsTable): Referral {
  const orNull = (value: number | null) => (value === null ? null : Number(value));
  const status = ['linked', 'qualified', 'rewarded', 'voided'].includes(row.status) ? row.status : 'linked';
  return {
    refereeId: row.referee_id,
    referrerId: row.referrer_id,
    code: row.code,
    linkedAt: Number(row.linked_at),
    status: status as Referral['status'],
    orderId: row.order_id,
    orderTotal: orNull(row.order_total),
    qualifiedAt: orNull(row.qualified_at),
    rewardedAt: orNull(row.rewarded_at),
    referrerRewarded: Number(row.referrer_rewarded) === 1,
    eventId: row.event_id,
  };
}

export async function loadReferrals(db: DbExecutor, refereeIds: string[]): Promise<Map<string, Referral>> {
  const found = new Map<string, Referral>();
  for (const chunk of chunks([...new Set(refereeIds)])) {
    const rows = await db.selectFrom('referrals').selectAll().where('referee_id', 'in', chunk).execute();
    for (const row of rows) found.set(row.referee_id, toReferral(row));
  }
  return found;
}

/** The referrals of these members and of everyone above them, for the cycle check. */
export async function loadReferralChains(db: DbExecutor, memberIds: string[]): Promise<Map<string, Referral>> {
  const found = new Map<string, Referral>();
  let wanted = [...new Set(memberIds)];
  for (let depth = 0; wanted.length > 0 && depth < 64; depth += 1) {
    const level = await loadReferrals(db, wanted);
    for (const [id, referral] of level) found.set(id, referral);
    wanted = [...level.values()].map((referral) => referral.referrerId).filter((id) => !found.has(id));
  }
  return found;
}

export async function loadCodes(db: DbExecutor, workspaceId: string, wanted: { codes: string[]; memberIds: string[] }) {
  const rows = [];
  for (const chunk of chunks(wanted.codes)) {
    rows.push(
      ...(await db
        .selectFrom('referral_codes')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('code', 'in', chunk)
        .execute()),
    );
  }
  for (const chunk of chunks(wanted.memberIds)) {
    rows.push(...(await db.selectFrom('referral_codes').selectAll().where('member_id', 'in', chunk).execute()));
  }
  return rows.map((row) => ({ code: row.code, memberId: row.member_id }));
}

/** Completed orders of each member from events before this batch (the profiles stage already saved the batch's). */
export async function countEarlierOrders(
  db: DbExecutor,
  memberIds: string[],
  batchEventIds: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const excluded = new Set(batchEventIds);
  for (const chunk of chunks(memberIds)) {
    const rows = await db
      .selectFrom('orders')
      .select(['member_id', 'event_id'])
      .where('member_id', 'in', chunk)
      .where('completed', '=', 1)
      .execute();
    for (const row of rows)
      if (!excluded.has(row.event_id)) counts.set(row.member_id, (counts.get(row.member_id) ?? 0) + 1);
  }
  return counts;
}

export async function loadNetOrders(
  db: DbExecutor,
  workspaceId: string,
  orderIds: string[],
): Promise<Map<string, number>> {
  const net = new Map<string, number>();
  for (const chunk of chunks(orderIds)) {
    const rows = await db
      .selectFrom('orders')
      .select(['order_id', 'total', 'refunded'])
      .where('workspace_id', '=', workspaceId)
      .where('order_id', 'in', chunk)
      .execute();
    for (const row of rows) net.set(row.order_id, Number(row.total) - Number(row.refunded));
  }
  return net;
}

export async function loadReferrerRewards(db: DbExecutor, referrerIds: string[]): Promise<Map<string, number[]>> {
  const rewards = new Map<string, number[]>();
  for (const chunk of chunks(referrerIds)) {
    const rows = await db
      .selectFrom('referrals')
      .select(['referrer_id', 'rewarded_at'])
      .where('referrer_id', 'in', chunk)
      .where('referrer_rewarded', '=', 1)
      .execute();
    for (const row of rows)
      rewards.set(row.referrer_id, [...(rewards.get(row.referrer_id) ?? []), Number(row.rewarded_at)]);
  }
  return rewards;
}

export async function saveReferralState(db: DbExecutor, state: ReferralFoldState): Promise<void> {
  const workspace_id = state.workspaceId;
  if (state.programChanged && state.program) {
    await saveDefinition(db, 'referral_programs', { workspaceId: workspace_id, id: programId, saved: state.program });
  }
  for (const chunk of chunks(state.newCodes, 200)) {
    await db
      .insertInto('referral_codes')
      .values(chunk.map((code) => ({ workspace_id, code: code.code, member_id: code.memberId, created_at: code.at })))
      .execute();
  }
  for (const refereeId of state.changedReferrals) {
    const referral = state.referrals.get(refereeId);
    if (!referral) continue;
    const changes = {
      status: referral.status,
      order_id: referral.orderId,
      order_total: referral.orderTotal,
      qualified_at: referral.qualifiedAt,
      rewarded_at: referral.rewardedAt,
      referrer_rewarded: referral.referrerRewarded ? 1 : 0,
    };
    await db
      .insertInto('referrals')
      .values({
        referee_id: refereeId,
        workspace_id,
        referrer_id: referral.referrerId,
        code: referral.code,
        linked_at: referral.linkedAt,
        event_id: referral.eventId,
        ...changes,
      })
      .onConflict((conflict) => conflict.column('referee_id').doUpdateSet(changes))
      .execute();
  }
}

export async function readReferralsBy(db: DbExecutor, referrerId: string, limit: number) {
  const rows = await db
    .selectFrom('referrals')
    .selectAll()
    .where('referrer_id', '=', referrerId)
    .orderBy('linked_at')
    .limit(limit)
    .execute();
  return rows.map(toReferral);
}

export async function countReferralsBy(db: DbExecutor, referrerIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const chunk of chunks(referrerIds)) {
    const rows = await db
      .selectFrom('referrals')
      .select(['referrer_id', (eb) => eb.fn.countAll<number>().as('count')])
      .where('referrer_id', 'in', chunk)
      .groupBy('referrer_id')
      .execute();
    for (const row of rows) counts.set(row.referrer_id, Number(row.count));
  }
  return counts;
}

export const referralDerivedTables = ['referral_programs', 'referral_codes', 'referrals'] as const;
