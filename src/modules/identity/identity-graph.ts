import { compareText, rankOf } from './identifiers.ts';
import type { Identifier, IdentitySettings } from './identity.schema.ts';

/**
 * The part of the identity graph a batch touches: who owns each identifier, and every identifier
 * of those owners (needed to check per-type limits). Resolution mutates it as it decides.
 */
export interface IdentityGraph {
  /**
   * Who holds each identifier, by type and then by value: a lookup hashes the value the event
   * carried (V8 keeps a string's hash) instead of building and hashing a `type\u0000value` key,
   * several times an event.
   */
  owners: Map<string, Map<string, string>>;
  identifiersByMember: Map<string, Identifier[]>;
}

export interface IdentityConflict {
  identifier: Identifier;
  /** The member the event was attributed to. */
  memberId: string;
  /** The member that holds the identifier, when linking it would have merged the two. */
  otherMemberId: string | null;
  reason: string;
}

export interface Resolution {
  memberId: string | null;
  created: boolean;
  links: Identifier[];
  merges: Array<{ survivorId: string; mergedId: string }>;
  conflicts: IdentityConflict[];
}

export function createIdentityGraph(): IdentityGraph {
  return { owners: new Map(), identifiersByMember: new Map() };
}

export function ownerOf(graph: IdentityGraph, identifier: Identifier): string | undefined {
  return graph.owners.get(identifier.type)?.get(identifier.value);
}

/** Every identifier the graph holds, with its owner. */
export function ownedIdentifiers(graph: IdentityGraph): Array<{ identifier: Identifier; owner: string }> {
  const owned: Array<{ identifier: Identifier; owner: string }> = [];
  for (const [type, byValue] of graph.owners) {
    for (const [value, owner] of byValue) owned.push({ identifier: { type, value }, owner });
  }
  return owned;
}

export function addToGraph(graph: IdentityGraph, memberId: string, identifier: Identifier): void {
  let byValue = graph.owners.get(identifier.type);
  if (!byValue) {
    byValue = new Map();
    graph.owners.set(identifier.type, byValue);
  }
  byValue.set(identifier.value, memberId);
  const list = graph.identifiersByMember.get(memberId);
  if (list) list.push(identifier);
  else graph.identifiersByMember.set(memberId, [identifier]);
}

/** Adds the distinct values of one type in `identifiers` to `values`. */
function collectValues(identifiers: readonly Identifier[] | undefined, type: string, values: Set<string>): void {
  for (const identifier of identifiers ?? []) if (identifier.type === type) values.add(identifier.value);
}

/**
 * Whether the group (its members, one more member about to join, and the pending new values) would
 * hold more than `limit` values of `type`. Runs for every identifier of every event, so the joining
 * member is passed on its own rather than in a copy of the group.
 */
function exceeds(
  graph: IdentityGraph,
  group: { members: Set<string>; joining?: string | undefined; pending: Identifier[] },
  type: string,
  limit: number,
): boolean {
  const values = new Set<string>();
  for (const member of group.members) collectValues(graph.identifiersByMember.get(member), type, values);
  if (group.joining !== undefined) collectValues(graph.identifiersByMember.get(group.joining), type, values);
  collectValues(group.pending, type, values);
  return values.size > limit;
}

/**
 * The limit the next identifier would break. The group so far is within every limit (it passed
 * this check step by step), so only what the step adds can break one: a member brings all its
 * identifiers, a new value only its own type, a member already in the group nothing.
 */
function exceededBy(
  graph: IdentityGraph,
  members: Set<string>,
  pending: Identifier[],
  next: { identifier: Identifier; owner: string | undefined },
  limits: Record<string, number>,
): string | undefined {
  const { identifier, owner } = next;
  if (owner) {
    if (members.has(owner)) return undefined;
    for (const type in limits) {
      const limit = limits[type];
      if (
        Object.hasOwn(limits, type) &&
        limit !== undefined &&
        exceeds(graph, { members, joining: owner, pending }, type, limit)
      )
        return type;
    }
    return undefined;
  }
  const limit = Object.hasOwn(limits, identifier.type) ? limits[identifier.type] : undefined;
  if (limit === undefined) return undefined;
  return exceeds(graph, { members, pending: [...pending, identifier] }, identifier.type, limit)
    ? identifier.type
    : undefined;
}

/** Whether a member holds more than `limit` distinct values of `type`; no set is built while it cannot. */
function holdsMoreThan(graph: IdentityGraph, memberId: string, type: string, limit: number): boolean {
  const identifiers = graph.identifiersByMember.get(memberId) ?? [];
  let count = 0;
  for (const identifier of identifiers) if (identifier.type === type) count += 1;
  return count > limit && exceeds(graph, { members: new Set([memberId]), pending: [] }, type, limit);
}

/**
 * The member that already holds every one of these identifiers, if one does and it is within
 * every limit: then `resolveIdentifiers` would attribute the event to it and link, merge and
 * refuse nothing, and the caller can skip it. Nearly every event of a live log is such a
 * returning member's; deciding them in full had been a tenth of processing's garbage. (A member
 * over a limit lowered since it grew is left to the full resolution, which decides otherwise.)
 */
export function knownSoleOwner(
  graph: IdentityGraph,
  identifiers: readonly Identifier[],
  limits: Record<string, number>,
): string | undefined {
  let owner: string | undefined;
  for (const identifier of identifiers) {
    const current = ownerOf(graph, identifier);
    if (current === undefined || (owner !== undefined && current !== owner)) return undefined;
    owner = current;
  }
  if (owner === undefined) return undefined;
  for (const type in limits) {
    const limit = limits[type];
    if (Object.hasOwn(limits, type) && limit !== undefined && holdsMoreThan(graph, owner, type, limit))
      return undefined;
  }
  return owner;
}

function mergeInto(graph: IdentityGraph, survivorId: string, mergedId: string): void {
  const moved = graph.identifiersByMember.get(mergedId) ?? [];
  for (const identifier of moved) addToGraph(graph, survivorId, identifier);
  graph.identifiersByMember.delete(mergedId);
}

/**
 * Most trusted type first; within one type, values some member already holds come before new ones,
 * so an event carrying a known and an unknown value of a limited type (two phones, two user ids)
 * stays with the member it matches instead of depending on how the values happen to sort.
 */
function resolutionOrder(graph: IdentityGraph, identifiers: Identifier[], priority: string[]) {
  // Owners looked up once per identifier, not once per comparison: this runs for every event.
  const keyed = identifiers.map((identifier) => {
    const owner = ownerOf(graph, identifier);
    return { identifier, owner, rank: rankOf(identifier.type, priority), isNew: owner === undefined ? 1 : 0 };
  });
  sortInPlace(keyed, compareOrderKeys);
  return keyed;
}

/**
 * Insertion sort: an event carries a handful of identifiers, and Array.prototype.sort allocates a
 * work array on every call, about an eighth of identity's garbage. Stable, like sort; long
 * lists (an event may carry many external ids) still go to sort.
 */
function sortInPlace<T>(items: T[], compare: (a: T, b: T) => number): void {
  if (items.length > 16) {
    items.sort(compare);
    return;
  }
  for (let index = 1; index < items.length; index += 1) {
    const item = items[index] as T;
    let place = index;
    while (place > 0 && compare(items[place - 1] as T, item) > 0) {
      items[place] = items[place - 1] as T;
      place -= 1;
    }
    items[place] = item;
  }
}

function compareOrderKeys(
  a: { identifier: Identifier; rank: number; isNew: number },
  b: { identifier: Identifier; rank: number; isNew: number },
): number {
  return (
    a.rank - b.rank ||
    compareText(a.identifier.type, b.identifier.type) ||
    a.isNew - b.isNew ||
    compareText(a.identifier.value, b.identifier.value)
  );
}

/**
 * Decides which member an event belongs to. Identifiers are taken most trusted first; each one
 * either joins the group (linking a new value, or merging the member that owns it) or, if that
 * would break a per-type limit (two user ids on one member), is refused together with every
 * less trusted identifier after it. The oldest member (smallest time-sortable id) survives a merge,
 * so without conflicts the final grouping does not depend on the order events arrive in.
 */
export function resolveIdentifiers(
  graph: IdentityGraph,
  identifiers: Identifier[],
  settings: IdentitySettings,
  newMemberId: string,
): Resolution {
  const members = new Set<string>();
  const pending: Identifier[] = [];
  const conflicts: IdentityConflict[] = [];
  let refusedAt: { index: number; type: string } | undefined;
  const ordered = resolutionOrder(graph, identifiers, settings.priority);

  for (let index = 0; index < ordered.length; index += 1) {
    const { identifier, owner } = ordered[index] as { identifier: Identifier; owner: string | undefined };
    const exceeded = exceededBy(graph, members, pending, { identifier, owner }, settings.limits);
    if (exceeded) {
      refusedAt = { index, type: exceeded };
      break;
    }
    if (owner) members.add(owner);
    else pending.push(identifier);
  }

  // Nearly every event names one member; sorting even one element allocates V8's work array.
  const existing = members.size > 1 ? [...members].sort() : [...members];
  const created = existing.length === 0 && pending.length > 0;
  const survivorId = existing[0] ?? (created ? newMemberId : null);
  if (survivorId === null) return { memberId: null, created: false, links: [], merges: [], conflicts };

  const merges = existing.slice(1).map((mergedId) => ({ survivorId, mergedId }));
  for (const merge of merges) mergeInto(graph, survivorId, merge.mergedId);
  for (const identifier of pending) addToGraph(graph, survivorId, identifier);
  if (created) graph.identifiersByMember.set(survivorId, graph.identifiersByMember.get(survivorId) ?? []);

  if (refusedAt) {
    for (const { identifier } of ordered.slice(refusedAt.index)) {
      // Looked up again: a merge above may have moved it to the survivor.
      const owner = ownerOf(graph, identifier);
      if (owner === survivorId) continue;
      conflicts.push({
        identifier,
        memberId: survivorId,
        otherMemberId: owner ?? null,
        reason: `linking would give the member more than ${settings.limits[refusedAt.type]} ${refusedAt.type}`,
      });
    }
  }
  return { memberId: survivorId, created, links: pending, merges, conflicts };
}
