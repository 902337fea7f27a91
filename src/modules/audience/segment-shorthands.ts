import type { ConditionOf, SegmentDefinition } from './segment-definition.schema.ts';

/** The trait a member's home store is bound to (store binding sets it). */
export const homeStoreTrait = 'home_store';

/**
 * Conditions that are another condition spelled shorter. Both evaluators expand them here, so
 * a shorthand cannot mean one thing in SQL and another in memory.
 */
export function expandShorthands(definition: ConditionOf<'store'>): SegmentDefinition {
  const { stores, lastDays, olderThanDays, from, to } = definition;
  const window = { lastDays, olderThanDays, from, to };
  return {
    type: 'or',
    conditions: [
      { type: 'trait', path: homeStoreTrait, op: 'in', value: stores },
      {
        type: 'event',
        name: 'Order Completed',
        where: [{ property: 'store_id', op: 'in', value: stores }],
        ...Object.fromEntries(Object.entries(window).filter(([, value]) => value !== undefined)),
      },
    ],
  };
}
