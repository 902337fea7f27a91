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

/** A tag or store a definition names, with where in the definition it is named. */
export interface NamedThing {
  kind: 'tag' | 'store';
  id: string;
  path: Array<string | number>;
}

/** Every tag and store the definition names, each with its path (for a 400 that points at it). */
export function namedThings(definition: SegmentDefinition, path: Array<string | number> = []): NamedThing[] {
  if (definition.type === 'and' || definition.type === 'or') {
    return definition.conditions.flatMap((condition, index) => namedThings(condition, [...path, 'conditions', index]));
  }
  if (definition.type === 'not') return namedThings(definition.condition, [...path, 'condition']);
  if (definition.type === 'tag') return [{ kind: 'tag', id: definition.tag, path: [...path, 'tag'] }];
  if (definition.type === 'store') {
    return definition.stores.map((id, index) => ({ kind: 'store', id, path: [...path, 'stores', index] }));
  }
  return [];
}
