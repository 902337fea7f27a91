import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { isRecord, readNumber } from '../../platform/values.ts';
import { parseOrderEvent, toMinorUnits } from '../profiles/orders.ts';
import type { CouponOrder } from './coupons.schema.ts';

/** A coupon an event says was used: by code (and our coupon id, if the shop sent it back), on an order. */
export interface CouponUse {
  code: string;
  couponId: string | undefined;
  order: CouponOrder;
  /** What the shop took off, minor units, when it says so. */
  discount: number | undefined;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== ''
    ? value.trim()
    : typeof value === 'number'
      ? String(value)
      : undefined;

function orderLines(properties: Record<string, unknown>, currency: string): CouponOrder['lines'] {
  const products = Array.isArray(properties.products) ? properties.products.filter(isRecord) : [];
  return products.map((product) => ({
    productId: text(product.product_id) ?? text(product.sku),
    category: text(product.category),
    amount: toMinorUnits(Math.abs((readNumber(product.price) ?? 0) * (readNumber(product.quantity) ?? 1)), currency),
  }));
}

/**
 * Segment's e-commerce spec: `Order Completed` carries the code in `coupon`; `Coupon Applied`
 * carries `coupon_id` (ours, or the code) and the `order_id`.
 */
export function readCouponUse(event: LoggedEvent, workspaceCurrency: string): CouponUse | undefined {
  if (event.eventName !== 'Order Completed' && event.eventName !== 'Coupon Applied') return undefined;
  const properties = isRecord(event.payload.properties) ? event.payload.properties : {};
  const couponId = event.eventName === 'Coupon Applied' ? text(properties.coupon_id) : undefined;
  const code = text(properties.coupon) ?? couponId;
  if (!code) return undefined;
  const currency = typeof properties.currency === 'string' ? properties.currency.toUpperCase() : workspaceCurrency;
  const discount = readNumber(properties.discount);
  const reported = discount === undefined ? undefined : toMinorUnits(Math.abs(discount), currency);
  if (event.eventName === 'Order Completed') {
    const parsed = parseOrderEvent(event.eventName, event.payload, workspaceCurrency);
    if (!parsed) return undefined;
    const order = { orderId: parsed.orderId, total: parsed.amount ?? 0, lines: orderLines(properties, currency) };
    return { code, couponId, order, discount: reported };
  }
  const orderId = text(properties.order_id);
  if (!orderId) return undefined;
  const total = readNumber(properties.total);
  const order = {
    orderId,
    total: total === undefined ? 0 : toMinorUnits(Math.abs(total), currency),
    lines: orderLines(properties, currency),
  };
  return { code, couponId, order, discount: reported };
}
