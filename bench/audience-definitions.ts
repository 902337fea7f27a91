import { cities, stores } from '../src/modules/demo/demo-catalog.ts';
import type { SegmentDefinition } from '../src/modules/audience/segment-definition.schema.ts';

const day = 86_400_000;

/** What operators preview most: one fact of the profile, then a mix of profile, channel, orders and children. */
export const previewDefinitions: Record<string, SegmentDefinition> = {
  simple: { type: 'feature', name: 'orderCount', op: 'gte', value: 3 },
  trait: { type: 'trait', path: 'city', op: 'eq', value: '上海' },
  complex: {
    type: 'and',
    conditions: [
      { type: 'trait', path: 'gender', op: 'eq', value: 'female' },
      {
        type: 'or',
        conditions: [
          { type: 'channel', channel: 'tmall' },
          { type: 'channel', channel: 'jd' },
        ],
      },
      {
        type: 'event',
        name: 'Order Completed',
        where: [{ property: 'total', op: 'gte', value: 200 }],
        lastDays: 365,
        count: { op: 'atLeast', value: 2 },
      },
      { type: 'not', condition: { type: 'life-stage', stage: 'months-0-3' } },
    ],
  },
};

/**
 * The same counts as a person would write them by hand for SQLite: the raw limit. Orders are
 * found from the events side (the name and time index), then joined to their members.
 */
export const handWrittenCounts: Record<string, string> = {
  simple: `select count(*) as count from members
    where workspace_id = @workspace and merged_into is null and features ->> '$.orderCount' >= 3`,
  trait: `select count(*) as count from members
    where workspace_id = @workspace and merged_into is null and traits ->> '$.city' = '上海'`,
  complex: `with buyers as (
      select em.member_id from events e join event_members em on em.seq = e.seq
      where e.workspace_id = @workspace and e.event_name = 'Order Completed' and e.type = 'track'
        and e.event_time >= @now - ${365 * day} and e.payload ->> '$.properties.total' >= 200
      group by em.member_id having count(*) >= 2)
    select count(*) as count from buyers b cross join members m on m.id = b.member_id
    where m.merged_into is null and m.traits ->> '$.gender' = 'female'
      and (m.features -> '$.channels.tmall' is not null or m.features -> '$.channels.jd' is not null)
      and m.id not in (select s.member_id from member_life_stages s
        where s.workspace_id = @workspace and s.stage_id = 'months-0-3')`,
};

const categories = ['milk powder', 'diapers', 'wipes', 'toys', 'skin care', 'books', 'complementary food'];
const stages = ['pregnancy-3', 'months-0-3', 'months-4-6', 'months-7-9', 'months-10-12', 'years-2-3'];

/** A spread of the kinds of segments brands keep, varied so no two are the same query. */
export function savedSegmentDefinitions(count: number): SegmentDefinition[] {
  const templates: Array<(index: number) => SegmentDefinition> = [
    (index) => ({ type: 'feature', name: 'orderCount', op: 'gte', value: 1 + (index % 12) }),
    (index) => ({ type: 'trait', path: 'city', op: 'eq', value: cities[index % cities.length]?.[0] ?? '上海' }),
    (index) => ({
      type: 'category',
      category: categories[index % categories.length] ?? 'toys',
      measure: 'spend',
      op: 'gte',
      value: 10_000 * (1 + (index % 5)),
    }),
    (index) => ({ type: 'event', name: 'Order Completed', lastDays: 30 + index, count: { op: 'atLeast', value: 1 } }),
    (index) => ({ type: 'life-stage', stage: stages[index % stages.length] ?? 'months-0-3' }),
    (index) => ({ type: 'store', stores: [stores[index % stores.length] ?? 'SH-001'] }),
    (index) => ({ type: 'birthday', path: 'birthday', withinDays: 1 + (index % 14) }),
    (index) => ({
      type: 'and',
      conditions: [
        { type: 'trait', path: 'gender', op: 'eq', value: index % 2 === 0 ? 'female' : 'male' },
        { type: 'feature', name: 'netSpend', op: 'gte', value: 50_000 + index * 1_000 },
      ],
    }),
    (index) => ({ type: 'random-bucket', salt: `holdout-${index}`, buckets: 100, from: 0, to: 10 }),
    (index) => ({
      type: 'sequence',
      first: { name: 'Product Viewed' },
      then: { name: 'Order Completed' },
      withinDays: 1 + (index % 7),
      lastDays: 90,
    }),
  ];
  return Array.from({ length: count }, (_, index) => {
    const template = templates[index % templates.length] as (index: number) => SegmentDefinition;
    return template(Math.floor(index / templates.length) + index);
  });
}
