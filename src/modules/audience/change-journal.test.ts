import { describe, expect, it } from 'vitest';
import { changedBetween, createChangeJournal, pruneJournal } from './change-journal.ts';

function journalOf(entries: Array<[after: number, through: number, members: string[]]>) {
  const journal = createChangeJournal();
  journal.entries = entries.map(([after, through, members]) => ({ after, through, members: new Set(members) }));
  return journal;
}

describe('change journal', () => {
  it('names the members of an unbroken chain of batches, counting both tries of a batch run twice', () => {
    const journal = journalOf([
      [10, 20, ['a']],
      // Tried, rolled back, tried again over the same events.
      [20, 30, ['b']],
      [20, 30, ['b', 'c']],
      [30, 35, ['d']],
      // Still in flight: past the checkpoint asked about.
      [35, 50, ['e']],
    ]);
    expect([...(changedBetween(journal, 10, 35) ?? [])].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...(changedBetween(journal, 20, 30) ?? [])].sort()).toEqual(['b', 'c']);
    expect(changedBetween(journal, 35, 35)).toEqual(new Set());
  });

  it('cannot say who changed when a batch of the chain is missing (another process ran it)', () => {
    const journal = journalOf([
      [10, 20, ['a']],
      [25, 30, ['b']],
    ]);
    expect(changedBetween(journal, 10, 30)).toBeUndefined();
    // Nor when the checkpoint falls inside a batch this process did not see end there.
    expect(changedBetween(journal, 10, 25)).toBeUndefined();
  });

  it('forgets batches every reader has caught up with', () => {
    const journal = journalOf([
      [10, 20, ['a']],
      [20, 30, ['b']],
      [30, 40, ['c']],
    ]);
    pruneJournal(journal, 30);
    expect(journal.entries.map((entry) => entry.through)).toEqual([40]);
    expect(changedBetween(journal, 20, 40)).toBeUndefined();
    expect(changedBetween(journal, 30, 40)).toEqual(new Set(['c']));
  });
});
