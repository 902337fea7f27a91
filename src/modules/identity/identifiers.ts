import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { builtInBlockedValues, type Identifier, type IdentitySettings } from './identity.schema.ts';
import { isRecord } from '../../platform/values.ts';

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

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * A small memo for pure normalizers: the same few types and the same member's phone come back in
 * event after event, and parsing them (regexes, libphonenumber) dominated identity extraction.
 * Emptied when full, so memory stays bounded whatever the traffic.
 */
function memoize<T>(compute: (key: string) => T, capacity = 50_000): (key: string) => T {
  const results = new Map<string, T>();
  return (key) => {
    const found = results.get(key);
    // One lookup when found; a result may itself be undefined (an invalid phone), hence `has`.
    if (found !== undefined || results.has(key)) return found as T;
    const result = compute(key);
    if (results.size >= capacity) results.clear();
    results.set(key, result);
    return result;
  };
}

const normalizeTypeOnce = memoize((type) =>
  type
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, ''),
);

export function normalizeIdentifierType(type: string): string {
  return normalizeTypeOnce(type);
}

/** A value normalized for its type, or the reason it cannot identify anyone. Shared: never changed. */
export type NormalizedValue = Readonly<{ value?: string; reason?: string }>;

/**
 * A phone's whole normalization (the all-zero check, then libphonenumber), once per region and
 * trimmed text: a member's phone comes back in event after event.
 */
const normalizePhoneOnce = memoize((key): NormalizedValue => {
  const separator = key.indexOf('\u0000');
  const region = key.slice(0, separator);
  const trimmed = key.slice(separator + 1);
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length > 0 && /^0+$/.test(digits.replace(/^86/, ''))) return { reason: 'blocked value' };
  const phone = parsePhoneNumberFromString(trimmed, region as CountryCode);
  return phone && phone.isValid()
    ? { value: phone.number }
    : { reason: `not a valid phone number for region ${region}` };
});

export function normalizePhone(value: string, region: string): string | undefined {
  return normalizeIdentifier('phone', value, region).value;
}

/** Normalizes one value for its type; `undefined` with a reason when it cannot identify anyone. */
export function normalizeIdentifier(type: string, raw: string, region: string): NormalizedValue {
  const trimmed = raw.trim();
  if (type === 'email') {
    const email = trimmed.toLowerCase();
    return /^[^\s@]+@[^\s@]+$/.test(email) ? { value: email } : { reason: 'not an email address' };
  }
  if (type === 'phone') return normalizePhoneOnce(`${region}\u0000${trimmed}`);
  return trimmed ? { value: trimmed } : { reason: 'empty' };
}

const builtInBlocked = new Set(builtInBlockedValues);
const longestBuiltInBlocked = Math.max(...builtInBlockedValues.map((blocked) => blocked.length));
/** Lookup sets per (never mutated) blocklist: the check runs twice per identifier of every event. */
const blockedSets = new WeakMap<readonly string[], Set<string>>();

function blockedSetOf(blockedValues: readonly string[]): Set<string> {
  let set = blockedSets.get(blockedValues);
  if (!set) {
    set = new Set(blockedValues.map((blocked) => blocked.trim().toLowerCase()));
    blockedSets.set(blockedValues, set);
  }
  return set;
}

/** Whether a (normalized or raw) value is on the built-in or the workspace blocklist. */
export function isBlocked(value: string, settings: IdentitySettings): boolean {
  const workspaceBlocks = settings.blockedValues.length > 0;
  // Built-in blocked values are short words: a longer value (nearly every id) needs no lower-casing.
  if (!workspaceBlocks && (!settings.useBuiltInBlocklist || value.length > longestBuiltInBlocked)) return false;
  const lowered = value.toLowerCase();
  if (settings.useBuiltInBlocklist && builtInBlocked.has(lowered)) return true;
  return workspaceBlocks && blockedSetOf(settings.blockedValues).has(lowered);
}

/**
 * The raw (type, value) pairs an event carries, flat: [type, value, type, value, …]. Flat because
 * this runs for every event and an array per pair was a third of extraction's garbage.
 */
function collectRawIdentifiers(message: Record<string, unknown>): unknown[] {
  const raw: unknown[] = ['user_id', message.userId, 'anonymous_id', message.anonymousId];
  const context = isRecord(message.context) ? message.context : {};
  // Spelled out rather than a loop over `[traits, context.traits]`: an array less per event.
  const traits = message.type === 'group' ? undefined : message.traits;
  if (isRecord(traits)) raw.push('email', traits.email, 'phone', traits.phone);
  if (isRecord(context.traits)) raw.push('email', context.traits.email, 'phone', context.traits.phone);
  if (Array.isArray(context.externalIds)) {
    for (const external of context.externalIds) {
      if (isRecord(external) && typeof external.type === 'string') raw.push(external.type, external.id);
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
  const identifiers: Identifier[] = [];
  const rejected: RejectedIdentifier[] = [];
  const raw = collectRawIdentifiers(message);
  for (let index = 0; index < raw.length; index += 2) {
    const rawType = raw[index] as string;
    const text = asText(raw[index + 1]);
    if (text === undefined) continue;
    const type = normalizeIdentifierType(rawType);
    if (!type) continue;
    const { value, reason } = normalizeIdentifier(type, text, context.phoneRegion);
    if (value === undefined) {
      rejected.push({ type, value: text, reason: reason ?? 'invalid' });
      continue;
    }
    if (isBlocked(value, context.settings) || (text !== value && isBlocked(text, context.settings))) {
      rejected.push({ type, value, reason: 'blocked value' });
      continue;
    }
    // An event names a handful: a scan costs less than a set of joined keys.
    if (identifiers.some((identifier) => identifier.value === value && identifier.type === type)) continue;
    identifiers.push({ type, value });
  }
  return { identifiers, rejected };
}

/** `localeCompare` without arguments is this collator's compare (ECMA-402); one instance saves building it per call. */
export const compareText = new Intl.Collator().compare;

export function rankOf(type: string, priority: string[]): number {
  const index = priority.indexOf(type);
  return index === -1 ? priority.length : index;
}

/** Most trusted first; types the workspace did not rank come after, alphabetically, then by value. */
export function sortByPriority(identifiers: Identifier[], priority: string[]): Identifier[] {
  return [...identifiers].sort(
    (a, b) =>
      rankOf(a.type, priority) - rankOf(b.type, priority) ||
      compareText(a.type, b.type) ||
      compareText(a.value, b.value),
  );
}

export function identifierKey(identifier: Identifier): string {
  return `${identifier.type}\u0000${identifier.value}`;
}
