import { describe, expect, it } from 'vitest';
import { applyTraits, emptyTraits, mergeTraits, traitsOfEvent } from './traits.ts';

const day = (n: number) => Date.UTC(2024, 2, n);

describe('traits', () => {
  it('keep the value of the newest event time, even when the older event arrives later', () => {
    const state = emptyTraits();
    applyTraits(state, { tier: 'gold', city: 'Beijing' }, day(10), 1);
    applyTraits(state, { tier: 'silver', babyBirthday: '2023-05-01' }, day(3), 2);
    expect(state).toEqual({
      traits: { tier: 'gold', city: 'Beijing', babyBirthday: '2023-05-01' },
      times: { tier: [day(10), 1], city: [day(10), 1], babyBirthday: [day(3), 2] },
    });
    applyTraits(state, { city: 'Shanghai', tier: undefined }, day(11), 3);
    expect(state.traits).toEqual({ tier: 'gold', city: 'Shanghai', babyBirthday: '2023-05-01' });
  });

  it('break ties of event time by log position', () => {
    const state = emptyTraits();
    applyTraits(state, { tier: 'gold' }, day(1), 8);
    applyTraits(state, { tier: 'silver' }, day(1), 5);
    expect(state.traits.tier).toBe('gold');
    applyTraits(state, { tier: 'platinum' }, day(1), 9);
    expect(state.traits.tier).toBe('platinum');
  });

  it('merge by the same rule', () => {
    const survivor = emptyTraits();
    const merged = emptyTraits();
    applyTraits(survivor, { name: 'Li Na', tier: 'gold' }, day(2), 1);
    applyTraits(merged, { tier: 'silver', city: 'Hangzhou' }, day(5), 2);
    applyTraits(merged, { name: 'Na' }, day(1), 3);
    mergeTraits(survivor, merged);
    expect(survivor.traits).toEqual({ name: 'Li Na', tier: 'silver', city: 'Hangzhou' });
  });

  it('come from identify traits and any call’s context.traits, never a group call’s traits', () => {
    expect(
      traitsOfEvent('identify', { traits: { tier: 'gold' }, context: { traits: { tier: 'x', city: 'Xi’an' } } }),
    ).toEqual({ tier: 'gold', city: 'Xi’an' });
    expect(traitsOfEvent('track', { traits: { tier: 'gold' }, context: { traits: { city: 'Wuhan' } } })).toEqual({
      city: 'Wuhan',
    });
    expect(traitsOfEvent('group', { traits: { plan: 'enterprise' } })).toEqual({});
  });
});
