import type { ProcessingBatch, Stage } from '../../platform/processor/stage.ts';

/**
 * The members each processing batch of this process touched, so an in-memory copy of derived
 * state (the preview index) can catch up by reloading just them. A batch is recorded before it
 * commits; one that rolls back leaves an entry that names members for nothing, which costs a
 * reload and nothing else. Batches processed by another process leave no entry: a copy that
 * finds the chain of entries broken must be built again.
 */
export interface JournalEntry {
  /** The checkpoint the batch started after. */
  after: number;
  /** The last position it processed. */
  through: number;
  members: ReadonlySet<string>;
}

export interface ChangeJournal {
  entries: JournalEntry[];
  /** Called when the processor clears derived state (replay): every copy is void. */
  onReset: Array<() => void>;
  /** The earliest position a reader still needs entries after (none: only batches in flight are kept). */
  retainAfter?: () => number;
}

export function createChangeJournal(): ChangeJournal {
  return { entries: [], onReset: [] };
}

/** Everyone a batch may have changed: the events' members, both sides of merges, and what stages report. */
function membersOf(batch: ProcessingBatch): Set<string> {
  const members = new Set<string>([...batch.changedMembers, ...batch.rebuiltMembers]);
  for (const event of batch.events) if (event.memberId) members.add(event.memberId);
  for (const merge of batch.merges) {
    members.add(merge.survivorId);
    members.add(merge.mergedId);
  }
  for (const derived of batch.derivedEvents) members.add(derived.memberId);
  return members;
}

/**
 * The members changed by the batches from `from` through `to`, when this process processed all of
 * them (an unbroken chain of entries); undefined when it did not. Where a batch was tried twice
 * (rolled back, then run again) both entries count.
 */
export function changedBetween(journal: ChangeJournal, from: number, to: number): Set<string> | undefined {
  const byStart = new Map<number, JournalEntry[]>();
  for (const entry of journal.entries) {
    if (entry.through <= to) byStart.set(entry.after, [...(byStart.get(entry.after) ?? []), entry]);
  }
  const members = new Set<string>();
  let position = from;
  while (position < to) {
    const next = byStart.get(position);
    if (!next) return undefined;
    for (const entry of next) for (const member of entry.members) members.add(member);
    position = Math.max(...next.map((entry) => entry.through));
  }
  return members;
}

/** Forgets the batches every reader has caught up with. */
export function pruneJournal(journal: ChangeJournal, through: number): void {
  if (journal.entries.every((entry) => entry.through > through)) return;
  journal.entries = journal.entries.filter((entry) => entry.through > through);
}

/** The stage that keeps the journal: last, so it sees what every stage before it reported. */
export function createChangeJournalStage(journal: ChangeJournal): Stage {
  return {
    name: 'change-journal',
    apply(batch) {
      const last = batch.events[batch.events.length - 1];
      if (last) journal.entries.push({ after: batch.after, through: last.seq, members: membersOf(batch) });
      // What committed before this batch is in anything a reader loads from now on.
      pruneJournal(journal, Math.min(journal.retainAfter?.() ?? Number.POSITIVE_INFINITY, batch.after));
      return Promise.resolve();
    },
    reset() {
      journal.entries = [];
      for (const listener of journal.onReset) listener();
      return Promise.resolve();
    },
  };
}
