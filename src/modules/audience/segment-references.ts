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
