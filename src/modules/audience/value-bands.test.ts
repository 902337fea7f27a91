import { describe, expect, it } from 'vitest';
import { bandDefinition } from './value-bands.ts';

describe('bandDefinition', () => {
  const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

  it('cuts at R type-7 quantiles of the positive values, the top band open-ended', () => {
    expect(bandDefinition({ measure: 'netSpend', fromPercent: 80, toPercent: 100 }, values)).toEqual({
      type: 'and',
      conditions: [{ type: 'feature', name: 'netSpend', op: 'gte', value: 82 }],
    });
    expect(bandDefinition({ measure: 'orderCount', fromPercent: 0, toPercent: 30 }, values)).toEqual({
      type: 'and',
      conditions: [
        { type: 'feature', name: 'orderCount', op: 'gt', value: 0 },
        { type: 'feature', name: 'orderCount', op: 'lt', value: 37 },
      ],
    });
  });

  it('matches nobody when nobody has a value', () => {
    expect(bandDefinition({ measure: 'totalSpend', fromPercent: 0, toPercent: 100 }, [])).toEqual({
      type: 'and',
      conditions: [
        { type: 'feature', name: 'totalSpend', op: 'gt', value: 0 },
        { type: 'feature', name: 'totalSpend', op: 'lt', value: 0 },
      ],
    });
  });
});
