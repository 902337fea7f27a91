import {
  isAbsent,
  isCurrencyCode,
  otherMoneyFields,
  propertiesOf,
  readDecimal,
  statedAmountFields,
} from '../profiles/event-money.ts';
import { isRecord } from '../../platform/values.ts';
import { orderIdOf, orderKindOf } from '../profiles/orders.ts';
import type { EventRefusal, OrderLimits } from './quality.schema.ts';

/**
 * Whether a tracked event's numbers can be counted: every amount and quantity Hearth reads from it
 * is a number (or a plain decimal string), finite, not negative and within the workspace's bounds;
 * an order names its id. The first fault found is the refusal; undefined when the event counts.
 */
export function checkTrackedEvent(
  eventName: string | null,
  payload: Record<string, unknown>,
  limits: OrderLimits,
): EventRefusal | undefined {
  const properties = propertiesOf(payload);
  if (orderKindOf(eventName) && orderIdOf(properties) === undefined) {
    return { reason: 'missing_order_id', field: 'properties.order_id', message: 'an order must name its order_id' };
  }
  if (!isAbsent(properties.currency) && !isCurrencyCode(properties.currency)) {
    return {
      reason: 'not_a_currency',
      field: 'properties.currency',
      message: 'must be an ISO 4217 currency code such as CNY',
    };
  }
  for (const field of [...statedAmountFields, ...otherMoneyFields]) {
    const refusal = checkAmount(properties[field], `properties.${field}`, limits);
    if (refusal) return refusal;
  }
  return checkProducts(properties.products, limits);
}

function checkNumber(value: unknown, field: string, maximum: number): EventRefusal | undefined {
  const number = readDecimal(value);
  if (number === undefined) {
    return { reason: 'not_a_number', field, message: 'must be a finite number or a decimal string such as "12.50"' };
  }
  if (number < 0) return { reason: 'negative', field, message: 'must not be negative' };
  if (number > maximum) {
    return { reason: 'too_large', field, message: `must be at most ${maximum.toLocaleString('en')}` };
  }
  return undefined;
}

function checkAmount(value: unknown, field: string, limits: OrderLimits): EventRefusal | undefined {
  return isAbsent(value) ? undefined : checkNumber(value, field, limits.maxAmount);
}

function checkProducts(products: unknown, limits: OrderLimits): EventRefusal | undefined {
  if (isAbsent(products)) return undefined;
  if (!Array.isArray(products)) {
    return { reason: 'not_a_list', field: 'properties.products', message: 'must be a list of products' };
  }
  if (products.length > limits.maxProducts) {
    return {
      reason: 'too_many_products',
      field: 'properties.products',
      message: `must hold at most ${limits.maxProducts.toLocaleString('en')} products`,
    };
  }
  let index = 0;
  let sum = 0;
  for (const product of products) {
    const refusal = checkProduct(product, `properties.products.${index}`, limits);
    if (refusal) return refusal;
    sum += lineAmount(product as Record<string, unknown>);
    index += 1;
  }
  if (sum > limits.maxAmount) {
    return {
      reason: 'too_large',
      field: 'properties.products',
      message: `the products' price × quantity must add up to at most ${limits.maxAmount.toLocaleString('en')}`,
    };
  }
  return undefined;
}

function lineAmount(product: Record<string, unknown>): number {
  return (readDecimal(product.price) ?? 0) * (readDecimal(product.quantity) ?? 1);
}

function checkProduct(product: unknown, path: string, limits: OrderLimits): EventRefusal | undefined {
  if (!isRecord(product)) return { reason: 'not_an_object', field: path, message: 'must be a product object' };
  const price = checkAmount(product.price, `${path}.price`, limits);
  if (price) return price;
  if (!isAbsent(product.quantity)) {
    const quantity = checkNumber(product.quantity, `${path}.quantity`, limits.maxQuantity);
    if (quantity) return quantity;
  }
  if (lineAmount(product) > limits.maxAmount) {
    return {
      reason: 'too_large',
      field: path,
      message: `price × quantity must be at most ${limits.maxAmount.toLocaleString('en')}`,
    };
  }
  return undefined;
}
