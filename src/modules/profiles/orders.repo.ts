import type { DbExecutor } from '../../platform/db/database.ts';
import { runMultiRow, type WriteScope } from '../../platform/db/sqlite-statements.ts';
import type { OrderState } from './orders.ts';
import { chunks } from '../../platform/db/chunks.ts';

/** Profiles keep `orders`; loyalty keeps its own copy in `loyalty_orders`, of the same shape. */
export type OrderTable = 'orders' | 'loyalty_orders';

export async function loadOrders(
  db: DbExecutor,
  workspaceId: string,
  orderIds: string[],
  table: OrderTable = 'orders',
): Promise<Map<string, OrderState>> {
  const orders = new Map<string, OrderState>();
  for (const chunk of chunks([...new Set(orderIds)])) {
    const rows = await db
      .selectFrom(table)
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('order_id', 'in', chunk)
      .execute();
    for (const row of rows) {
      orders.set(row.order_id, {
        orderId: row.order_id,
        memberId: row.member_id,
        completed: row.completed === 1,
        total: row.total,
        currency: row.currency,
        refunded: row.refunded,
        refundedInFull: row.refunded_in_full === 1,
        completedAt: row.completed_at,
        eventId: row.event_id,
      });
    }
  }
  return orders;
}

const columns =
  'workspace_id, order_id, member_id, completed, total, currency, refunded, refunded_in_full, completed_at, event_id';
const updates =
  ' on conflict (workspace_id, order_id) do update set member_id = excluded.member_id,' +
  ' completed = excluded.completed, total = excluded.total, currency = excluded.currency,' +
  ' refunded = excluded.refunded, refunded_in_full = excluded.refunded_in_full,' +
  ' completed_at = excluded.completed_at, event_id = excluded.event_id';

function toRow(workspaceId: string, order: OrderState) {
  return {
    workspace_id: workspaceId,
    order_id: order.orderId,
    member_id: order.memberId,
    completed: order.completed ? 1 : 0,
    total: order.total,
    currency: order.currency,
    refunded: order.refunded,
    refunded_in_full: order.refundedInFull ? 1 : 0,
    completed_at: order.completedAt,
    event_id: order.eventId,
  };
}

export async function saveOrders(
  scope: WriteScope,
  workspaceId: string,
  orders: OrderState[],
  table: OrderTable = 'orders',
): Promise<void> {
  if (scope.sqlite) {
    // SQLite: the same upsert as below, as a cached multi-row statement.
    const statement = {
      head: `insert into ${table} (${columns})`,
      row: '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      tail: updates,
    };
    runMultiRow(scope.sqlite, statement, orders, (order) => Object.values(toRow(workspaceId, order)));
    return;
  }
  for (const chunk of chunks(orders)) {
    await scope.transaction
      .insertInto(table)
      .values(chunk.map((order) => toRow(workspaceId, order)))
      .onConflict((conflict) =>
        conflict.columns(['workspace_id', 'order_id']).doUpdateSet((eb) => ({
          member_id: eb.ref('excluded.member_id'),
          completed: eb.ref('excluded.completed'),
          total: eb.ref('excluded.total'),
          currency: eb.ref('excluded.currency'),
          refunded: eb.ref('excluded.refunded'),
          refunded_in_full: eb.ref('excluded.refunded_in_full'),
          completed_at: eb.ref('excluded.completed_at'),
          event_id: eb.ref('excluded.event_id'),
        })),
      )
      .execute();
  }
}

/** A member's completed orders in the workspace currency between two instants, net of refunds (minor units). */
export async function readOrderTotals(
  db: DbExecutor,
  memberId: string,
  range: { from: number; to: number; currency: string },
): Promise<Array<{ orderId: string; net: number; completedAt: number }>> {
  const rows = await db
    .selectFrom('orders')
    .select(['order_id', 'total', 'refunded', 'completed_at'])
    .where('member_id', '=', memberId)
    .where('completed', '=', 1)
    .where('currency', '=', range.currency)
    .where('completed_at', '>=', range.from)
    .where('completed_at', '<', range.to)
    .execute();
  return rows.map((row) => ({
    orderId: row.order_id,
    net: Math.max(0, Number(row.total) - Number(row.refunded)),
    completedAt: Number(row.completed_at),
  }));
}
