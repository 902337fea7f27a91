import { describe, expect, it } from 'vitest';
import { conditionSchema } from './loyalty-program.schema.ts';
import { fieldMessage, issuesOf, withRule } from './loyalty-program.fixtures.ts';

describe('condition fields', () => {
  it.each([
    'properties.total',
    'properties.a.b-c.$d_e',
    'context.app.version',
    'traits.city',
    'features.orderCount',
    'features.totalSpend',
    'features.refundTotal',
    'features.netSpend',
    'features.averageOrderValue',
    'features.eventCount',
    'features.firstOrderAt',
    'features.lastOrderAt',
    'features.firstSeenAt',
    'features.lastSeenAt',
    'tier',
    'channel',
    'store',
    'event',
  ])('accepts %s', (field) => {
    expect(conditionSchema.parse({ field, op: 'exists' })).toStrictEqual({ field, op: 'exists' });
  });

  it.each([
    'propertis.x',
    'property.x',
    'properties',
    'properties.',
    'properties..x',
    'properties.a b',
    'traits',
    'features.foo',
    'features.orderCount.x',
    'features.ordercount',
    'tier.name',
    'Tier',
    'member.tier',
    '',
  ])('rejects %j naming the field and the allowed roots', (field) => {
    expect(issuesOf(withRule({ conditions: [{ field, op: 'exists' }] }))).toStrictEqual([
      { path: 'earning.0.conditions.0.field', message: fieldMessage },
    ]);
  });

  it('points at the condition that is wrong, not the first one', () => {
    expect(
      issuesOf(
        withRule({
          conditions: [
            { field: 'tier', op: 'eq', value: 'gold' },
            { field: 'features.lifetimeValue', op: 'gt', value: 1 },
          ],
        }),
      ),
    ).toStrictEqual([{ path: 'earning.0.conditions.1.field', message: fieldMessage }]);
  });
});

describe('condition operators and values', () => {
  it('rejects an unknown operator', () => {
    expect(issuesOf(withRule({ conditions: [{ field: 'tier', op: 'like', value: 'g%' }] }))).toStrictEqual([
      {
        path: 'earning.0.conditions.0.op',
        message:
          "Invalid discriminator value. Expected 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'notIn' | " +
          "'contains' | 'exists' | 'missing'",
      },
    ]);
  });

  it('requires a number for comparisons', () => {
    expect(issuesOf(withRule({ conditions: [{ field: 'properties.total', op: 'gt', value: '100' }] }))).toStrictEqual([
      { path: 'earning.0.conditions.0.value', message: 'Invalid input: expected number, received string' },
    ]);
  });

  it('requires at least one value for in', () => {
    expect(issuesOf(withRule({ conditions: [{ field: 'tier', op: 'in', value: [] }] }))).toStrictEqual([
      { path: 'earning.0.conditions.0.value', message: 'Too small: expected array to have >=1 items' },
    ]);
  });

  it('rejects a value on exists (strict object)', () => {
    expect(issuesOf(withRule({ conditions: [{ field: 'tier', op: 'exists', value: true }] }))).toStrictEqual([
      { path: 'earning.0.conditions.0', message: 'Unrecognized key: "value"' },
    ]);
  });
});
