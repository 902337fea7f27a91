import { isRecord } from '../../platform/values.ts';

/**
 * How Hearth reads money and quantities from a tracked event's properties: one reading for every
 * stage (profiles' orders, loyalty's earning, badges, coupons, referrals) and for the checks that
 * refuse an event whose numbers cannot be trusted (the quality module).
 */

/** The properties that carry money, in the order an amount is taken from them. */
export const statedAmountFields = ['total', 'revenue', 'value'] as const;
/** Money properties Hearth reads besides the stated amount. */
export const otherMoneyFields = ['discount'] as const;

const decimalPattern = /^-?(?:\d+\.?\d*|\.\d+)$/;

/**
 * A number, or a plain decimal string as some clients send money ("12.50", "-3"): read the same
 * everywhere. Exponents, hex, thousands separators and currency signs are not numbers here, so
 * "1e300" or "0x10" cannot slip through as an amount.
 */
export function readDecimal(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!decimalPattern.test(trimmed)) return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : undefined;
}

/** Absent: not sent, or sent as null (clients serialize unset fields either way). */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

const digitsCache = new Map<string, number>();

export function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsCache.set(currency, digits);
  }
  return digits;
}

export function toMinorUnits(amount: number, currency: string): number {
  return Math.round(amount * 10 ** currencyDigits(currency));
}

const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && knownCurrencies.has(value.trim().toUpperCase());
}

/** The event's currency: its own `currency` property, else the workspace's. */
export function eventCurrency(properties: Record<string, unknown>, workspaceCurrency: string): string {
  return isCurrencyCode(properties.currency) ? properties.currency.trim().toUpperCase() : workspaceCurrency;
}

export function propertiesOf(payload: Record<string, unknown>): Record<string, unknown> {
  return isRecord(payload.properties) ? payload.properties : {};
}

/** The amount the event states, in currency units: `total`, else `revenue`, else `value`. */
export function statedAmountOf(properties: Record<string, unknown>): number | undefined {
  for (const field of statedAmountFields) {
    const amount = readDecimal(properties[field]);
    if (amount !== undefined) return amount;
  }
  return undefined;
}

/**
 * Categories as shops spell them ("Milk Powder", "milk  powder", full-width letters) name one
 * category: every reading and every rule compares them in this form.
 */
export function normalizeCategory(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export interface ProductLine {
  category: string | undefined;
  productId: string | undefined;
  sku: string | undefined;
  /** Price × quantity (1 when not given), in minor units of the event's currency. */
  amount: number;
}

/** An id or a code as payloads carry them: trimmed text, or a number written as text. */
export function readText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

export function productsOf(properties: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(properties.products) ? properties.products.filter(isRecord) : [];
}

export function productLinesOf(properties: Record<string, unknown>, currency: string): ProductLine[] {
  return productsOf(properties).map((product) => ({
    category: typeof product.category === 'string' ? normalizeCategory(product.category) || undefined : undefined,
    productId: readText(product.product_id),
    sku: readText(product.sku),
    amount: toMinorUnits((readDecimal(product.price) ?? 0) * (readDecimal(product.quantity) ?? 1), currency),
  }));
}
