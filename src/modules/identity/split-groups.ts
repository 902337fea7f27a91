import { identifierKey, sortByPriority } from './identifiers.ts';
import type { Identifier } from './identity.schema.ts';

export interface SplitInput {
  /** The member's events in log order, each with the identifiers it carried that the member owns. */
  events: Array<{ seq: number; identifiers: Identifier[] }>;
  removed: Identifier;
  priority: string[];
}

export interface SplitGroups {
  /** Groups of identifiers, the removed one alone in the first; the rest ordered by their first event. */
  groups: Identifier[][];
  /** For each event, the index of its group. */
  eventGroup: Map<number, number>;
}

function find(parent: Map<string, string>, key: string): string {
  let root = key;
  while (parent.get(root) !== root) root = parent.get(root) as string;
  parent.set(key, root);
  return root;
}

/**
 * Recomputes a member's grouping without one identifier: the events still link the identifiers
 * they carried together (union-find), but nothing links through the removed one any more.
 */
export function computeSplitGroups(input: SplitInput): SplitGroups {
  const removedKey = identifierKey(input.removed);
  const parent = new Map<string, string>();
  const byKey = new Map<string, Identifier>();
  const firstSeen = new Map<string, number>();
  for (const event of input.events) {
    const kept = event.identifiers.filter((identifier) => identifierKey(identifier) !== removedKey);
    for (const identifier of kept) {
      const key = identifierKey(identifier);
      if (!parent.has(key)) {
        parent.set(key, key);
        byKey.set(key, identifier);
        firstSeen.set(key, event.seq);
      }
    }
    const [first, ...rest] = kept.map(identifierKey);
    if (first === undefined) continue;
    for (const key of rest) parent.set(find(parent, key), find(parent, first));
  }
  const members = new Map<string, Identifier[]>();
  const rootFirstSeen = new Map<string, number>();
  for (const [key, identifier] of byKey) {
    const root = find(parent, key);
    members.set(root, [...(members.get(root) ?? []), identifier]);
    rootFirstSeen.set(root, Math.min(rootFirstSeen.get(root) ?? Infinity, firstSeen.get(key) ?? Infinity));
  }
  const roots = [...members.keys()].sort((a, b) => (rootFirstSeen.get(a) ?? 0) - (rootFirstSeen.get(b) ?? 0));
  const groups: Identifier[][] = [
    [input.removed],
    ...roots.map((root) => sortByPriority(members.get(root) ?? [], input.priority)),
  ];
  const groupOfRoot = new Map(roots.map((root, index) => [root, index + 1]));
  const eventGroup = new Map<number, number>();
  for (const event of input.events) {
    const kept = event.identifiers.filter((identifier) => identifierKey(identifier) !== removedKey);
    const first = kept[0];
    eventGroup.set(event.seq, first ? (groupOfRoot.get(find(parent, identifierKey(first))) ?? 0) : 0);
  }
  return { groups, eventGroup };
}
