import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { builtInBlockedValues, type Identifier, type IdentitySettings } from './identity.schema.ts';

export interface ExtractionContext {
  phoneRegion: string;
  settings: IdentitySettings;
}

export interface RejectedIdentifier extends Identifier {
  reason: string;
}

export interface ExtractedIdentifiers {
  identifiers: Identifier[];
  rejected: RejectedIdentifier[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function normalizeIdentifierType(type: string): string {
  return type
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function normalizePhone(value: string, region: string): string | undefined {
  const phone = parsePhoneNumberFromString(value.trim(), region as CountryCode);
  if (!phone || !phone.isValid()) return undefined;
  return phone.number;
}

/** Normalizes one value for its type; `undefined` with a reason when it cannot identify anyone. */
export function normalizeIdentifier(type: string, raw: string, region: string): { value?: string; reason?: string } {
  const trimmed = raw.trim();
  if (type === 'email') {
    const email = trimmed.toLowerCase();
    return /^[^\s@]+@[^\s@]+$/.test(email) ? { value: email } : { reason: 'not an email address' };
  }
  if (type === 'phone') {
    const digits = trimmed.replace(/\D/g, '');
    if (digits.length > 0 && /^0+$/.test(digits.replace(/^86/, ''))) return { reason: 'blocked value' };
    const phone = normalizePhone(trimmed, region);
    return phone ? { value: phone } : { reason: `not a valid phone number for region ${region}` };
  }
  return trimmed ? { value: trimmed } : { reason: 'empty' };
}

/** Whether a (normalized or raw) value is on the built-in or the workspace blocklist. */
export function isBlocked(value: string, settings: IdentitySettings): boolean {
  const lowered = value.toLowerCase();
  if (settings.useBuiltInBlocklist && builtInBlockedValues.includes(lowered)) return true;
  return settings.blockedValues.some((blocked) => blocked.trim().toLowerCase() === lowered);
}

function collectRawIdentifiers(message: Record<string, unknown>): Array<[string, unknown]> {
  const raw: Array<[string, unknown]> = [
    ['user_id', message.userId],
    ['anonymous_id', message.anonymousId],
  ];
  const context = isRecord(message.context) ? message.context : {};
  for (const traits of [message.type === 'group' ? undefined : message.traits, context.traits]) {
    if (!isRecord(traits)) continue;
    raw.push(['email', traits.email], ['phone', traits.phone]);
  }
  if (Array.isArray(context.externalIds)) {
    for (const external of context.externalIds) {
      if (isRecord(external) && typeof external.type === 'string') raw.push([external.type, external.id]);
    }
  }
  return raw;
}

/**
 * The identifiers an event carries: userId, anonymousId, email and phone from traits and
 * context.traits, and context.externalIds. An alias's previousId is handled by the caller,
 * which knows whether it names a user id or an anonymous id.
 */
export function extractIdentifiers(message: Record<string, unknown>, context: ExtractionContext): ExtractedIdentifiers {
  const seen = new Set<string>();
  const identifiers: Identifier[] = [];
  const rejected: RejectedIdentifier[] = [];
  for (const [rawType, rawValue] of collectRawIdentifiers(message)) {
    const text = asText(rawValue);
    if (text === undefined) continue;
    const type = normalizeIdentifierType(rawType);
    if (!type) continue;
    const { value, reason } = normalizeIdentifier(type, text, context.phoneRegion);
    if (value === undefined) {
      rejected.push({ type, value: text, reason: reason ?? 'invalid' });
      continue;
    }
    if (isBlocked(value, context.settings) || isBlocked(text, context.settings)) {
      rejected.push({ type, value, reason: 'blocked value' });
      continue;
    }
    const key = `${type}\u0000${value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    identifiers.push({ type, value });
  }
  return { identifiers, rejected };
}

export function rankOf(type: string, priority: string[]): number {
  const index = priority.indexOf(type);
  return index === -1 ? priority.length : index;
}

/** Most trusted first; types the workspace did not rank come after, alphabetically, then by value. */
export function sortByPriority(identifiers: Identifier[], priority: string[]): Identifier[] {
  return [...identifiers].sort(
    (a, b) =>
      rankOf(a.type, priority) - rankOf(b.type, priority) ||
      a.type.localeCompare(b.type) ||
      a.value.localeCompare(b.value),
  );
}

export function identifierKey(identifier: Identifier): string {
  return `${identifier.type}\u0000${identifier.value}`;
}
