import { z } from 'zod';
import { quantileType7 } from './rfm.ts';
import { numericFeatureNames, type SegmentDefinition } from './segment-definition.schema.ts';

/**
 * A value band: the members whose measure lies between two percentiles of everyone's (positive)
 * values, such as purchasing power "high" = net spend in the top 20%. The cut points move as
 * the population does, so they are computed again at every local midnight.
 */
export const valueBandSchema = z
  .strictObject({
    measure: z.enum(numericFeatureNames),
    fromPercent: z.number().int().min(0).max(99),
    toPercent: z.number().int().min(1).max(100),
  })
  .refine((band) => band.toPercent > band.fromPercent, {
    message: 'must be more than fromPercent',
    path: ['toPercent'],
  });
export type ValueBand = z.infer<typeof valueBandSchema>;

/**
 * The band as a definition over the measure's cut points (R's quantile type 7 of the sorted
 * positive values): from the lower cut inclusive to the upper exclusive, the top band taking in
 * the maximum. Members with nothing (0 or less) are in no band.
 */
export function bandDefinition(band: ValueBand, sortedPositiveValues: readonly number[]): SegmentDefinition {
  const feature = (op: 'gt' | 'gte' | 'lt', value: number): SegmentDefinition => ({
    type: 'feature',
    name: band.measure,
    op,
    value,
  });
  if (sortedPositiveValues.length === 0) return { type: 'and', conditions: [feature('gt', 0), feature('lt', 0)] };
  const conditions: SegmentDefinition[] = [
    band.fromPercent === 0
      ? feature('gt', 0)
      : feature('gte', quantileType7(sortedPositiveValues, band.fromPercent / 100)),
  ];
  if (band.toPercent < 100) conditions.push(feature('lt', quantileType7(sortedPositiveValues, band.toPercent / 100)));
  return { type: 'and', conditions };
}
