import type { SegmentDefinition } from './segment-definition.schema.ts';
import { expandShorthands } from './segment-shorthands.ts';

function leavesOf(definition: SegmentDefinition): SegmentDefinition[] {
  if (definition.type === 'and' || definition.type === 'or') return definition.conditions.flatMap(leavesOf);
  if (definition.type === 'not') return leavesOf(definition.condition);
  if (definition.type === 'store') return leavesOf(expandShorthands(definition));
  return [definition];
}

/** The event names the definitions ask about: the only events the evaluator needs to load. */
export function referencedEventNames(definitions: readonly SegmentDefinition[]): string[] {
  const names = new Set<string>();
  for (const leaf of definitions.flatMap(leavesOf)) {
    if (leaf.type === 'event' || leaf.type === 'first-event' || leaf.type === 'last-event') names.add(leaf.name);
    if (leaf.type === 'sequence') {
      names.add(leaf.first.name);
      names.add(leaf.then.name);
    }
  }
  return [...names];
}

const relative = (leaf: { lastDays?: number | undefined; olderThanDays?: number | undefined }) =>
  leaf.lastDays !== undefined || leaf.olderThanDays !== undefined;

/**
 * Which members time alone can move in or out: those with the events a sliding window or a
 * sequence reads, or (for dates of every member: birthdays, first seen, a child's next stage)
 * everyone. Null when time changes nothing.
 */
export function timeSensitivity(definition: SegmentDefinition): { everyone: boolean; eventNames: string[] } | null {
  const leaves = leavesOf(definition);
  const everyone = leaves.some(
    (leaf) =>
      leaf.type === 'birthday' ||
      (leaf.type === 'feature-date' && relative(leaf)) ||
      (leaf.type === 'life-stage' && leaf.enteringWithinDays !== undefined),
  );
  const eventLeaves = leaves.filter(
    (leaf) =>
      leaf.type === 'sequence' ||
      ((leaf.type === 'event' || leaf.type === 'first-event' || leaf.type === 'last-event') && relative(leaf)),
  );
  if (!everyone && eventLeaves.length === 0) return null;
  return { everyone, eventNames: referencedEventNames(eventLeaves) };
}
