import type { DbExecutor } from '../../platform/db/database.ts';
import type { AnalysisWindow } from './analysis-window.ts';

export interface CustomerOrders {
  memberId: string;
  orders: number;
  /** Net of refunds, in minor units of the workspace currency. */
  spend: number;
  lastOrderAt: number;
}

/**
 * Each customer's completed orders in the window, in the workspace currency (orders in other
 * currencies are not converted, so they are left out), aggregated by the database.
 */
export async function loadCustomerOrders(
  db: DbExecutor,
  workspaceId: string,
  currency: string,
  window: AnalysisWindow,
): Promise<CustomerOrders[]> {
  let query = db
    .selectFrom('orders')
    .select((expression) => [
      'member_id',
      expression.fn.countAll<number>().as('orders'),
      expression.fn.sum<number>(expression('total', '-', expression.ref('refunded'))).as('spend'),
      expression.fn.max<number>('completed_at').as('last_order_at'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('completed', '=', 1)
    .where('currency', '=', currency)
    .where('completed_at', '<', window.until);
  if (window.from !== null) query = query.where('completed_at', '>=', window.from);
  const rows = await query.groupBy('member_id').orderBy('member_id').execute();
  return rows.map((row) => ({
    memberId: row.member_id,
    orders: Number(row.orders),
    spend: Number(row.spend),
    lastOrderAt: Number(row.last_order_at),
  }));
}
