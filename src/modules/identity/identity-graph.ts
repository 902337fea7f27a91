import { compareText, identifierKey, rankOf } from './identifiers.ts';
import type { Identifier, IdentitySettings } from './identity.schema.ts';

/**
 * The part of the identity graph a batch touches: who owns each identifier, and every identifier
 * of those owners (needed to check per-type limits). Resolution mutates it as it decides.
 */
export interface IdentityGraph {
  owners: Map<string, string>;
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

export function addToGraph(graph: IdentityGraph, memberId: string, identifier: Identifier): void {
  graph.owners.set(identifierKey(identifier), memberId);
  const list = graph.identifiersByMember.get(memberId);
  if (list) list.push(identifier);
  else graph.identifiersByMember.set(memberId, [identifier]);
}

function exceeds(graph: IdentityGraph, members: Set<string>, pending: Identifier[], type: string, limit: number) {
  const values = new Set<string>();
  for (const member of members) {
    for (const identifier of graph.identifiersByMember.get(member) ?? []) {
      if (identifier.type === type) values.add(identifier.value);
    }
  }
  for (const identifier of pending) if (identifier.type === type) values.add(identifier.value);
  return values.size > limit;
}

function exceededLimit(
  graph: IdentityGraph,
  members: Set<string>,
  pending: Identifier[],
  limits: Record<string, number>,
): string | undefined {
  for (const [type, limit] of Object.entries(limits)) if (exceeds(graph, members, pending, type, limit)) return type;
  return undefined;
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
  if (owner)
    return members.has(owner) ? undefined : exceededLimit(graph, new Set([...members, owner]), pending, limits);
  const limit = Object.hasOwn(limits, identifier.type) ? limits[identifier.type] : undefined;
  if (limit === undefined) return undefined;
  return exceeds(graph, members, [...pending, identifier], identifier.type, limit) ? identifier.type : undefined;
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
function resolutionOrder(graph: IdentityGraph, identifiers: Identifier[], priority: string[]): Identifier[] {
  if (identifiers.length < 2) return [...identifiers];
  // Sort keys computed once per identifier, not once per comparison: this runs for every event.
  const keyed = identifiers.map((identifier) => ({
    identifier,
    rank: rankOf(identifier.type, priority),
    isNew: graph.owners.has(identifierKey(identifier)) ? 0 : 1,
  }));
  keyed.sort(compareOrderKeys);
  return keyed.map((entry) => entry.identifier);
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
    const identifier = ordered[index] as Identifier;
    const owner = graph.owners.get(identifierKey(identifier));
    const exceeded = exceededBy(graph, members, pending, { identifier, owner }, settings.limits);
    if (exceeded) {
      refusedAt = { index, type: exceeded };
      break;
    }
    if (owner) members.add(owner);
    else pending.push(identifier);
  }

  const existing = [...members].sort();
  const created = existing.length === 0 && pending.length > 0;
  const survivorId = existing[0] ?? (created ? newMemberId : null);
  if (survivorId === null) return { memberId: null, created: false, links: [], merges: [], conflicts };

  const merges = existing.slice(1).map((mergedId) => ({ survivorId, mergedId }));
  for (const merge of merges) mergeInto(graph, survivorId, merge.mergedId);
  for (const identifier of pending) addToGraph(graph, survivorId, identifier);
  if (created) graph.identifiersByMember.set(survivorId, graph.identifiersByMember.get(survivorId) ?? []);

  if (refusedAt) {
    for (const identifier of ordered.slice(refusedAt.index)) {
      const owner = graph.owners.get(identifierKey(identifier));
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
