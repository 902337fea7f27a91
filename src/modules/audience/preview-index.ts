import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { nextTurn } from '../../platform/event-loop.ts';
import type { Logger } from '../../platform/log.ts';
import { changedBetween, pruneJournal, type ChangeJournal } from './change-journal.ts';
import {
  createPopulation,
  createTraitColumn,
  fillBuckets,
  fillTraitColumn,
  holdEvent,
  needsOf,
  removeMember,
  writeEvents,
  writeMember,
  type MemberPopulation,
  type PopulationNeeds,
} from './member-population.ts';
import { evaluatePopulation } from './population-evaluation.ts';
import type { SegmentDefinition } from './segment-definition.schema.ts';
import type { EvaluationContext } from './segment-facts.ts';
import { loadMemberFacts, loadTrackedEvents } from './segment-facts.repo.ts';
import { countLiveMembers, readLiveMemberIds, readTagCarriers } from './preview-index.repo.ts';

export interface PreviewIndexOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  journal: ChangeJournal;
  /** The processor's checkpoint as committed. */
  committedPosition(): Promise<number>;
  /** Workspaces with fewer live members are counted by SQL, which is fast enough there (default 10,000). */
  minimumMembers?: number;
  /** Members loaded per query round while building (default 2,000). */
  pageSize?: number;
}

export interface IndexedPreview {
  count: number;
  sample: string[];
}

export interface PreviewIndex {
  /** Starts answering: only a process whose processor feeds the journal may (serve, worker). */
  enable(): void;
  /** The count and sample from memory, or undefined when the index cannot answer yet (the caller asks SQL). */
  preview(
    workspaceId: string,
    definition: SegmentDefinition,
    context: EvaluationContext,
    sample: number,
  ): Promise<IndexedPreview | undefined>;
  close(): Promise<void>;
}

interface WorkspaceIndex {
  population: MemberPopulation;
  /** The log position whose derived state the population holds. */
  coveredThrough: number;
  /** A long load (the build, a new event) holds the lock: previews go to SQL meanwhile. */
  loading: boolean;
  lock: Promise<unknown>;
  lastUsedAt: number;
}

const sizeCheckMilliseconds = 10 * 60_000;
/** An index nobody asked for this long is dropped: its memory back, and the journal need not wait for it. */
const idleMilliseconds = 15 * 60_000;
/** Batches the journal may hold for an index that has not caught up; past that, rebuilding is cheaper. */
const maximumBacklog = 10_000;
const slotsPerTurn = 50_000;

/**
 * A workspace's members held in memory as columns (member-population.ts), so a segment preview
 * over a million members is a scan of arrays instead of a query that parses every member's JSON.
 * It is built on a workspace's first preview, kept current by reloading the members each
 * processed batch touched (the change journal) before each count, and it loads an event's rows
 * the first time a definition asks about that event (that preview waits for them). Until it is
 * built, and while it loads, SQL answers.
 */
export function createPreviewIndex(options: PreviewIndexOptions): PreviewIndex {
  const { database, journal, logger } = options;
  const db = database.db;
  const minimumMembers = options.minimumMembers ?? 10_000;
  const pageSize = options.pageSize ?? 2_000;
  const indexes = new Map<string, WorkspaceIndex>();
  const small = new Map<string, number>();
  let enabled = false;
  let closed = false;

  /** Drops indexes left idle, and the furthest behind while the journal holds too many batches for them. */
  function dropStale(): void {
    const now = options.clock.now();
    for (const [workspaceId, index] of indexes) {
      if (!index.loading && now - index.lastUsedAt > idleMilliseconds) indexes.delete(workspaceId);
    }
    while (journal.entries.length > maximumBacklog && indexes.size > 0) {
      const behind = [...indexes].reduce((a, b) => (b[1].coveredThrough < a[1].coveredThrough ? b : a));
      indexes.delete(behind[0]);
      if (indexes.size > 0) pruneJournal(journal, Math.min(...coveredPositions()));
    }
  }

  function coveredPositions(): number[] {
    return [...indexes.values()].map((index) => index.coveredThrough);
  }

  journal.retainAfter = () => {
    dropStale();
    return Math.min(...coveredPositions());
  };
  journal.onReset.push(() => indexes.clear());

  function exclusive<T>(index: WorkspaceIndex, work: () => Promise<T>): Promise<T> {
    const run = index.lock.then(work, work);
    index.lock = run.catch(() => undefined);
    return run;
  }

  function heldEventNames(population: MemberPopulation): string[] {
    return [...population.events.keys()];
  }

  async function build(workspaceId: string, index: WorkspaceIndex): Promise<void> {
    index.coveredThrough = await options.committedPosition();
    const population = index.population;
    for (let after = ''; !closed;) {
      const ids = await readLiveMemberIds(db, workspaceId, after, pageSize);
      if (ids.length === 0) break;
      const facts = await loadMemberFacts(db, workspaceId, ids, { eventNames: [] });
      for (const memberFacts of facts.values()) writeMember(population, memberFacts);
      after = ids[ids.length - 1] ?? after;
      await nextTurn();
    }
    // Closed part-way, the population is partial: it is never answered from, nor reported as built.
    if (!closed) logger.info({ workspaceId, members: population.ids.length }, 'segment preview index built');
  }

  function startBuild(workspaceId: string): void {
    const index: WorkspaceIndex = {
      population: createPopulation(),
      coveredThrough: 0,
      loading: true,
      lock: Promise.resolve(),
      lastUsedAt: options.clock.now(),
    };
    indexes.set(workspaceId, index);
    void exclusive(index, () => build(workspaceId, index))
      .catch((error: unknown) => {
        logger.warn({ err: error, workspaceId }, 'segment preview index not built; previews use SQL');
        indexes.delete(workspaceId);
      })
      .finally(() => (index.loading = false));
  }

  /** Whether the workspace is worth an index, asked again every ten minutes for a small one. */
  async function worthIndexing(workspaceId: string): Promise<boolean> {
    const checkedAt = small.get(workspaceId);
    if (checkedAt !== undefined && options.clock.now() - checkedAt < sizeCheckMilliseconds) return false;
    if ((await countLiveMembers(db, workspaceId)) >= minimumMembers) return true;
    small.set(workspaceId, options.clock.now());
    return false;
  }

  /** Reloads the members changed since the population was current; false when the journal cannot say who. */
  async function refresh(workspaceId: string, index: WorkspaceIndex): Promise<boolean> {
    const committed = await options.committedPosition();
    if (committed === index.coveredThrough) return true;
    const changed = changedBetween(journal, index.coveredThrough, committed);
    if (!changed) return false;
    const ids = [...changed];
    const population = index.population;
    const facts = await loadMemberFacts(db, workspaceId, ids, { eventNames: heldEventNames(population) });
    for (const id of ids) {
      const memberFacts = facts.get(id);
      if (memberFacts) writeMember(population, memberFacts);
      else removeMember(population, id);
    }
    index.coveredThrough = committed;
    return true;
  }

  /** Events (or properties of them) the definition reads that the population does not hold yet. */
  function missingEvents(population: MemberPopulation, needs: PopulationNeeds): Map<string, Set<string>> {
    const missing = new Map<string, Set<string>>();
    for (const [name, paths] of needs.events) {
      const held = population.events.get(name);
      if (!held || [...paths].some((path) => !held.paths.includes(path))) {
        missing.set(name, new Set([...(held?.paths ?? []), ...paths]));
      }
    }
    return missing;
  }

  /** Loads every member's rows of the events, page by page. */
  async function loadEvents(workspaceId: string, index: WorkspaceIndex, wanted: Map<string, Set<string>>) {
    const population = index.population;
    for (const [name, paths] of wanted) holdEvent(population, name, [...paths]);
    const names = new Set(wanted.keys());
    for (let start = 0; start < population.ids.length && !closed; start += pageSize) {
      const slots = population.ids.slice(start, start + pageSize).map((_, offset) => start + offset);
      const live = slots.filter((slot) => population.live[slot] === 1);
      const ids = live.map((slot) => population.ids[slot] ?? '');
      const events = await loadTrackedEvents(db, workspaceId, ids, { eventNames: [...names] });
      live.forEach((slot, position) => writeEvents(population, slot, events.get(ids[position] ?? '') ?? [], names));
      await nextTurn();
    }
  }

  /** Loads the events still missing (a preview just before may have loaded them); false when that failed (the index is dropped). */
  async function loadEventsOnce(workspaceId: string, index: WorkspaceIndex, needs: PopulationNeeds) {
    index.loading = true;
    try {
      await exclusive(index, async () => {
        const missing = missingEvents(index.population, needs);
        if (missing.size > 0) await loadEvents(workspaceId, index, missing);
      });
      return true;
    } catch (error) {
      logger.warn({ err: error, workspaceId }, 'segment preview index could not load events; rebuilding');
      indexes.delete(workspaceId);
      return false;
    } finally {
      index.loading = false;
    }
  }

  /** Trait columns and random buckets the definition reads, computed a slice per turn of the event loop. */
  async function prepare(population: MemberPopulation, needs: PopulationNeeds): Promise<void> {
    for (const path of needs.traitPaths) {
      if (population.traits.has(path)) continue;
      const column = createTraitColumn(population);
      for (let start = 0; start < population.ids.length; start += slotsPerTurn) {
        fillTraitColumn(population, column, path, { start, end: start + slotsPerTurn });
        await nextTurn();
      }
      population.traits.set(path, column);
    }
    for (const { salt, buckets } of needs.buckets) fillBuckets(population, salt, buckets);
  }

  async function tagSlots(workspaceId: string, population: MemberPopulation, needs: PopulationNeeds) {
    const slots = new Map<string, Set<number>>([...needs.tags].map((tag) => [tag, new Set<number>()]));
    for (const row of await readTagCarriers(db, workspaceId, [...needs.tags])) {
      const slot = population.slotOf.get(row.member_id);
      if (slot !== undefined) slots.get(row.tag_id)?.add(slot);
    }
    return slots;
  }

  async function answer(
    workspaceId: string,
    index: WorkspaceIndex,
    request: { definition: SegmentDefinition; context: EvaluationContext; sample: number; needs: PopulationNeeds },
  ): Promise<IndexedPreview | undefined> {
    if (!(await refresh(workspaceId, index))) {
      // Another process processed some of the log: who changed is unknown, so start again.
      indexes.delete(workspaceId);
      return undefined;
    }
    const population = index.population;
    await prepare(population, request.needs);
    const lookups = { tagSlots: await tagSlots(workspaceId, population, request.needs) };
    const matches = evaluatePopulation(request.definition, population, request.context, lookups);
    let count = 0;
    const sample: string[] = [];
    for (let slot = 0; slot < matches.length; slot += 1) {
      if (matches[slot] !== 1) continue;
      count += 1;
      if (sample.length < request.sample) sample.push(population.ids[slot] ?? '');
    }
    return { count, sample };
  }

  return {
    enable() {
      enabled = true;
    },
    async preview(workspaceId, definition, context, sample) {
      if (!enabled || closed) return undefined;
      const index = indexes.get(workspaceId);
      if (!index) {
        // Another preview may have started the build while this one counted the members.
        if ((await worthIndexing(workspaceId)) && !indexes.has(workspaceId)) startBuild(workspaceId);
        return undefined;
      }
      index.lastUsedAt = options.clock.now();
      if (index.loading) return undefined;
      const needs = needsOf(definition);
      // Loading an event reads what one SQL count of it would (the event's rows), once: this
      // preview waits for it; others meanwhile go to SQL.
      const lacksEvents = missingEvents(index.population, needs).size > 0;
      if (lacksEvents && !(await loadEventsOnce(workspaceId, index, needs))) return undefined;
      try {
        return await exclusive(index, () => answer(workspaceId, index, { definition, context, sample, needs }));
      } catch (error) {
        logger.warn({ err: error, workspaceId }, 'segment preview index failed; SQL answers');
        indexes.delete(workspaceId);
        return undefined;
      }
    },
    async close() {
      closed = true;
      await Promise.all([...indexes.values()].map((index) => index.lock));
    },
  };
}
