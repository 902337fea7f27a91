import {
  createPopulation,
  createTraitColumn,
  fillBuckets,
  fillTraitColumn,
  holdEvent,
  needsOf,
  writeMember,
} from '../../src/modules/audience/member-population.ts';
import { evaluatePopulation } from '../../src/modules/audience/population-evaluation.ts';
import type { SegmentDefinition } from '../../src/modules/audience/segment-definition.schema.ts';
import type { EvaluationContext, MemberFacts } from '../../src/modules/audience/segment-facts.ts';

/**
 * The members the whole-population evaluator picks from these facts, the population built the
 * way the preview index builds and keeps it: every member written, then the columns the
 * definition needs added, then every member written again (a member reloaded after a change).
 */
export function populationMatches(
  definition: SegmentDefinition,
  facts: ReadonlyMap<string, MemberFacts>,
  context: EvaluationContext,
): string[] {
  const population = createPopulation();
  for (const memberFacts of facts.values()) writeMember(population, memberFacts);
  const needs = needsOf(definition);
  for (const path of needs.traitPaths) {
    const column = createTraitColumn(population);
    fillTraitColumn(population, column, path, { start: 0, end: population.ids.length });
    population.traits.set(path, column);
  }
  for (const [name, paths] of needs.events) holdEvent(population, name, [...paths]);
  for (const memberFacts of facts.values()) writeMember(population, memberFacts);
  for (const { salt, buckets } of needs.buckets) fillBuckets(population, salt, buckets);
  const tagSlots = new Map<string, Set<number>>();
  for (const tag of needs.tags) {
    const slots = new Set<number>();
    for (const memberFacts of facts.values()) {
      const slot = population.slotOf.get(memberFacts.memberId);
      if (slot !== undefined && memberFacts.tags.has(tag)) slots.add(slot);
    }
    tagSlots.set(tag, slots);
  }
  const matches = evaluatePopulation(definition, population, context, { tagSlots });
  return population.ids.filter((_, slot) => matches[slot] === 1);
}
