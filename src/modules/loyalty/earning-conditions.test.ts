import { describe, expect, it } from 'vitest';
import { matchesCondition, type EarningMember } from './earning-rules.ts';
import type { Condition } from './loyalty-program.schema.ts';
import { evaluate, order, program, rule } from './earning-rules.fixtures.ts';

describe('conditions', () => {
  const event = order({
    name: 'Order Completed',
    channel: 'tmall',
    store: 'SH-001',
    properties: {
      count: 7,
      countText: '7',
      total: '199.00',
      zero: 0,
      empty: '',
      blank: ' ',
      nothing: null,
      paid: 'true',
      tags: ['New', 'sale'],
      skus: [101, 202],
      skuTexts: ['101', '202'],
      coupon: 'SPRING-10',
      nested: { level: { deep: 'x' } },
    },
    context: { app: { version: '2.3.1' }, timezoneOffset: -480 },
  });
  const gold: EarningMember = {
    traits: { city: 'Shanghai', vip: true, kids: ['baby', 'toddler'], age: '31' },
    features: { orderCount: 3, netSpend: 45_000, firstOrderAt: '2025-01-01T00:00:00.000Z' },
    tier: 'Gold',
  };

  const cases: Array<[Condition, boolean]> = [
    // eq: numbers and numeric strings match either way round, flags match their text, text ignores case.
    [{ field: 'properties.count', op: 'eq', value: '7' }, true],
    [{ field: 'properties.count', op: 'eq', value: '7.0' }, true],
    [{ field: 'properties.count', op: 'eq', value: 7 }, true],
    [{ field: 'properties.countText', op: 'eq', value: 7 }, true],
    [{ field: 'properties.total', op: 'eq', value: 199 }, true],
    [{ field: 'properties.countText', op: 'eq', value: 8 }, false],
    [{ field: 'properties.zero', op: 'eq', value: 0 }, true],
    [{ field: 'properties.empty', op: 'eq', value: 0 }, false],
    [{ field: 'properties.blank', op: 'eq', value: 0 }, false],
    [{ field: 'properties.nothing', op: 'eq', value: 0 }, false],
    [{ field: 'properties.coupon', op: 'eq', value: 'spring-10' }, true],
    [{ field: 'properties.coupon', op: 'eq', value: 'SPRING' }, false],
    [{ field: 'properties.paid', op: 'eq', value: true }, true],
    [{ field: 'properties.paid', op: 'eq', value: false }, false],
    [{ field: 'properties.absent', op: 'eq', value: 'x' }, false],
    [{ field: 'properties.nested.level.deep', op: 'eq', value: 'X' }, true],
    [{ field: 'properties.absent.deeper', op: 'eq', value: 'x' }, false],
    [{ field: 'context.app.version', op: 'eq', value: '2.3.1' }, true],
    [{ field: 'traits.city', op: 'eq', value: 'shanghai' }, true],
    [{ field: 'traits.vip', op: 'eq', value: true }, true],
    [{ field: 'traits.vip', op: 'eq', value: false }, false],
    [{ field: 'traits.age', op: 'eq', value: 31 }, true],
    [{ field: 'features.orderCount', op: 'eq', value: 3 }, true],
    [{ field: 'tier', op: 'eq', value: 'gold' }, true],
    [{ field: 'tier', op: 'eq', value: 'Silver' }, false],
    [{ field: 'channel', op: 'eq', value: 'Tmall' }, true],
    [{ field: 'store', op: 'eq', value: 'sh-001' }, true],
    [{ field: 'event', op: 'eq', value: 'order completed' }, true],
    [{ field: 'event', op: 'eq', value: 'Order Refunded' }, false],
    // ne: the negation of eq, so a missing field is "not equal".
    [{ field: 'tier', op: 'ne', value: 'Silver' }, true],
    [{ field: 'tier', op: 'ne', value: 'GOLD' }, false],
    [{ field: 'properties.countText', op: 'ne', value: 7 }, false],
    [{ field: 'properties.absent', op: 'ne', value: 'x' }, true],
    // comparisons: numbers and numeric strings only.
    [{ field: 'features.orderCount', op: 'gt', value: 2 }, true],
    [{ field: 'features.orderCount', op: 'gt', value: 3 }, false],
    [{ field: 'features.orderCount', op: 'gte', value: 3 }, true],
    [{ field: 'features.orderCount', op: 'gte', value: 4 }, false],
    [{ field: 'features.orderCount', op: 'lt', value: 3 }, false],
    [{ field: 'features.orderCount', op: 'lt', value: 4 }, true],
    [{ field: 'features.orderCount', op: 'lte', value: 3 }, true],
    [{ field: 'features.orderCount', op: 'lte', value: 2 }, false],
    [{ field: 'features.netSpend', op: 'gte', value: 45_000 }, true],
    [{ field: 'properties.total', op: 'gt', value: 198.99 }, true],
    [{ field: 'properties.total', op: 'lt', value: 199 }, false],
    [{ field: 'traits.age', op: 'gte', value: 30 }, true],
    [{ field: 'context.timezoneOffset', op: 'lt', value: 0 }, true],
    [{ field: 'properties.zero', op: 'gte', value: 0 }, true],
    [{ field: 'properties.empty', op: 'gte', value: 0 }, false],
    [{ field: 'properties.blank', op: 'lte', value: 0 }, false],
    [{ field: 'properties.nothing', op: 'lte', value: 0 }, false],
    [{ field: 'traits.vip', op: 'gt', value: 0 }, false],
    [{ field: 'properties.coupon', op: 'gt', value: 0 }, false],
    [{ field: 'properties.absent', op: 'lt', value: 100 }, false],
    [{ field: 'features.firstOrderAt', op: 'gt', value: 0 }, false],
    [{ field: 'properties.tags', op: 'gte', value: 0 }, false],
    // in / notIn: eq against each value.
    [{ field: 'tier', op: 'in', value: ['Silver', 'gold'] }, true],
    [{ field: 'tier', op: 'in', value: ['Silver', 'Platinum'] }, false],
    [{ field: 'properties.countText', op: 'in', value: [1, 7] }, true],
    [{ field: 'store', op: 'in', value: ['SH-002', 'sh-001'] }, true],
    [{ field: 'properties.absent', op: 'in', value: ['x'] }, false],
    [{ field: 'tier', op: 'notIn', value: ['Silver'] }, true],
    [{ field: 'tier', op: 'notIn', value: ['Silver', 'GOLD'] }, false],
    [{ field: 'channel', op: 'notIn', value: ['jd', 'tmall'] }, false],
    [{ field: 'properties.absent', op: 'notIn', value: ['x'] }, true],
    // contains: an item of an array, or a substring of a string, ignoring case.
    [{ field: 'properties.tags', op: 'contains', value: 'SALE' }, true],
    [{ field: 'properties.tags', op: 'contains', value: 'clearance' }, false],
    [{ field: 'properties.tags', op: 'contains', value: 'sal' }, false],
    [{ field: 'properties.skus', op: 'contains', value: 202 }, true],
    [{ field: 'properties.skus', op: 'contains', value: 303 }, false],
    [{ field: 'properties.skuTexts', op: 'contains', value: 202 }, true],
    [{ field: 'traits.kids', op: 'contains', value: 'baby' }, true],
    [{ field: 'properties.coupon', op: 'contains', value: 'spring' }, true],
    [{ field: 'properties.coupon', op: 'contains', value: 'summer' }, false],
    [{ field: 'properties.coupon', op: 'contains', value: 10 }, true],
    [{ field: 'context.app.version', op: 'contains', value: '.3.' }, true],
    [{ field: 'properties.count', op: 'contains', value: 7 }, false],
    [{ field: 'properties.absent', op: 'contains', value: 'x' }, false],
    // exists / missing: null counts as missing; empty strings, zero and false exist.
    [{ field: 'properties.nested.level.deep', op: 'exists' }, true],
    [{ field: 'properties.nested.level', op: 'exists' }, true],
    [{ field: 'properties.empty', op: 'exists' }, true],
    [{ field: 'properties.zero', op: 'exists' }, true],
    [{ field: 'properties.nothing', op: 'exists' }, false],
    [{ field: 'properties.nothing', op: 'missing' }, true],
    [{ field: 'properties.absent', op: 'missing' }, true],
    [{ field: 'properties.coupon.length', op: 'exists' }, false],
    [{ field: 'properties.count', op: 'missing' }, false],
    [{ field: 'traits.vip', op: 'exists' }, true],
    [{ field: 'traits.email', op: 'missing' }, true],
    [{ field: 'features.lastOrderAt', op: 'missing' }, true],
    [{ field: 'features.orderCount', op: 'exists' }, true],
    [{ field: 'context.app', op: 'exists' }, true],
    [{ field: 'tier', op: 'exists' }, true],
    [{ field: 'channel', op: 'exists' }, true],
    [{ field: 'store', op: 'exists' }, true],
    [{ field: 'event', op: 'exists' }, true],
  ];

  it.each(cases)('%j → %s', (condition, expected) => {
    expect(matchesCondition(condition, event, gold)).toBe(expected);
  });

  it('sees no tier, store or event name when there is none', () => {
    const bare = order({ name: null, store: undefined, channel: undefined });
    const nobody: EarningMember = { traits: {}, features: {}, tier: null };
    for (const field of ['tier', 'store', 'channel', 'event'] as const) {
      expect(matchesCondition({ field, op: 'missing' }, bare, nobody)).toBe(true);
      expect(matchesCondition({ field, op: 'exists' }, bare, nobody)).toBe(false);
      expect(matchesCondition({ field, op: 'ne', value: 'gold' }, bare, nobody)).toBe(true);
    }
  });

  it('applies a rule through a condition on each kind of field', () => {
    const rules = program([
      rule(
        'props',
        { kind: 'fixed', points: 1 },
        { conditions: [{ field: 'properties.coupon', op: 'contains', value: 'spring' }] },
      ),
      rule(
        'ctx',
        { kind: 'fixed', points: 2 },
        { conditions: [{ field: 'context.app.version', op: 'eq', value: '2.3.1' }] },
      ),
      rule(
        'traits',
        { kind: 'fixed', points: 4 },
        { conditions: [{ field: 'traits.kids', op: 'contains', value: 'toddler' }] },
      ),
      rule(
        'features',
        { kind: 'fixed', points: 8 },
        { conditions: [{ field: 'features.orderCount', op: 'gte', value: 3 }] },
      ),
      rule('tier', { kind: 'fixed', points: 16 }, { conditions: [{ field: 'tier', op: 'in', value: ['gold'] }] }),
      rule('channel', { kind: 'fixed', points: 32 }, { conditions: [{ field: 'channel', op: 'ne', value: 'jd' }] }),
      rule('store', { kind: 'fixed', points: 64 }, { conditions: [{ field: 'store', op: 'exists' }] }),
      rule(
        'event',
        { kind: 'fixed', points: 128 },
        { conditions: [{ field: 'event', op: 'eq', value: 'Order Completed' }] },
      ),
      rule(
        'never',
        { kind: 'fixed', points: 256 },
        { conditions: [{ field: 'features.refundTotal', op: 'gt', value: 0 }] },
      ),
    ]);
    const earnings = evaluate(rules, event, { member: gold });
    expect(earnings.map((earning) => earning.ruleId)).toStrictEqual([
      'props',
      'ctx',
      'traits',
      'features',
      'tier',
      'channel',
      'store',
      'event',
    ]);
    expect(earnings.reduce((sum, earning) => sum + earning.points, 0)).toBe(255);
  });
});
