import type { DbExecutor } from '../../platform/db/database.ts';

/**
 * Before members are rebuilt from their history (after an operator split), everything the ledger
 * holds for them goes, and their share of each rule's budget is given back to the rule.
 */
export async function forgetMembers(db: DbExecutor, workspaceId: string, memberIds: string[]): Promise<void> {
  if (memberIds.length === 0) return;
  const earned = await db
    .selectFrom('points_entries')
    .select((eb) => ['source_id', eb.fn.sum<number>(eb('available', '+', eb.ref('pending'))).as('points')])
    .where('member_id', 'in', memberIds)
    .where('kind', '=', 'earn')
    .where('source_type', '=', 'rule')
    .groupBy('source_id')
    .execute();
  for (const row of earned) {
    await db
      .updateTable('loyalty_rule_usage')
      .set((eb) => ({ points: eb('points', '-', Number(row.points)) }))
      .where('workspace_id', '=', workspaceId)
      .where('rule_id', '=', row.source_id ?? '')
      .where('scope', '=', 'total')
      .execute();
  }
  for (const memberId of memberIds) {
    await db
      .deleteFrom('loyalty_rule_usage')
      .where('workspace_id', '=', workspaceId)
      .where('scope', 'like', `${memberId}|%`)
      .execute();
  }
  for (const table of [
    'points_entries',
    'points_lots',
    'points_reservations',
    'points_accounts',
    'loyalty_orders',
    'loyalty_tier_changes',
  ] as const) {
    await db.deleteFrom(table).where('member_id', 'in', memberIds).execute();
  }
}
