import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { parseOrderEvent } from '../profiles/orders.ts';
import {
  eventCurrency,
  productLinesOf,
  propertiesOf,
  readDecimal,
  readText,
  toMinorUnits,
} from '../profiles/event-money.ts';
import type { CouponOrder } from './coupons.schema.ts';

/** A coupon an event says was used: by code (and our coupon id, if the shop sent it back), on an order. */
export interface CouponUse {
  code: string;
  couponId: string | undefined;
  order: CouponOrder;
  /** What the shop took off, minor units, when it says so. */
  discount: number | undefined;
}

function orderLines(properties: Record<string, unknown>, currency: string): CouponOrder['lines'] {
  return productLinesOf(properties, currency).map((line) => ({
    productId: line.productId ?? line.sku,
    category: line.category,
    amount: line.amount,
  }));
}

/**
 * Segment's e-commerce spec: `Order Completed` carries the code in `coupon`; `Coupon Applied`
 * carries `coupon_id` (ours, or the code) and the `order_id`.
 */
export function readCouponUse(event: LoggedEvent, workspaceCurrency: string): CouponUse | undefined {
  if (event.eventName !== 'Order Completed' && event.eventName !== 'Coupon Applied') return undefined;
  const properties = propertiesOf(event.payload);
  const couponId = event.eventName === 'Coupon Applied' ? readText(properties.coupon_id) : undefined;
  const code = readText(properties.coupon) ?? couponId;
  if (!code) return undefined;
  const currency = eventCurrency(properties, workspaceCurrency);
  const discount = readDecimal(properties.discount);
  const reported = discount === undefined ? undefined : toMinorUnits(discount, currency);
  if (event.eventName === 'Order Completed') {
    const parsed = parseOrderEvent(event.eventName, event.payload, workspaceCurrency);
    if (!parsed) return undefined;
    const order = { orderId: parsed.orderId, total: parsed.amount ?? 0, lines: orderLines(properties, currency) };
    return { code, couponId, order, discount: reported };
  }
  const orderId = readText(properties.order_id);
  if (!orderId) return undefined;
  const total = readDecimal(properties.total);
  const order = {
    orderId,
    total: total === undefined ? 0 : toMinorUnits(total, currency),
    lines: orderLines(properties, currency),
  };
  return { code, couponId, order, discount: reported };
}
