import { describe, expect, it } from 'vitest';
import { defaultIdentifierPriority, type Identifier } from './identity.schema.ts';
import { computeSplitGroups } from './split-groups.ts';

const userId = (value: string): Identifier => ({ type: 'user_id', value });
const anon = (value: string): Identifier => ({ type: 'anonymous_id', value });
const email = (value: string): Identifier => ({ type: 'email', value });

describe('computeSplitGroups', () => {
  it('regroups without the removed identifier, oldest group first after it', () => {
    const shared = email('family@x.cn');
    const result = computeSplitGroups({
      events: [
        { seq: 10, identifiers: [userId('u-mom'), shared] },
        { seq: 11, identifiers: [anon('a-kid'), shared] },
        { seq: 12, identifiers: [anon('a-kid'), email('kid@x.cn')] },
        { seq: 13, identifiers: [shared] },
        { seq: 14, identifiers: [anon('a-mom'), userId('u-mom')] },
      ],
      removed: shared,
      priority: defaultIdentifierPriority,
    });
    expect(result.groups).toEqual([[shared], [userId('u-mom'), anon('a-mom')], [email('kid@x.cn'), anon('a-kid')]]);
    expect([...result.eventGroup]).toEqual([
      [10, 1],
      [11, 2],
      [12, 2],
      [13, 0],
      [14, 1],
    ]);
  });

  it('leaves one group besides the removed identifier when the rest stays connected', () => {
    const result = computeSplitGroups({
      events: [
        { seq: 1, identifiers: [anon('a-1'), email('a@x.cn')] },
        { seq: 2, identifiers: [anon('a-1'), userId('u-1')] },
      ],
      removed: email('a@x.cn'),
      priority: defaultIdentifierPriority,
    });
    expect(result.groups).toEqual([[email('a@x.cn')], [userId('u-1'), anon('a-1')]]);
    expect([...result.eventGroup]).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('has only the removed group when nothing else identifies the member', () => {
    const result = computeSplitGroups({
      events: [{ seq: 5, identifiers: [email('a@x.cn')] }],
      removed: email('a@x.cn'),
      priority: defaultIdentifierPriority,
    });
    expect(result.groups).toEqual([[email('a@x.cn')]]);
    expect([...result.eventGroup]).toEqual([[5, 0]]);
  });
});
