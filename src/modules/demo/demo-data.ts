import type { DemoMessage, DemoMessageType, TimedMessage } from './demo-composer.ts';
import { createPerson, dayMs, type DemoPerson, type TimeWindow } from './demo-people.ts';
import { buildPersonMessages } from './demo-timeline.ts';
import { createRandom } from './random.ts';

export type { DemoMessage, DemoMessageType } from './demo-composer.ts';
export type { DemoPerson } from './demo-people.ts';

/** A fixed end of history, so the same members and seed give the same messages on any day. */
export const defaultDemoUntil = '2026-11-01T00:00:00.000Z';
export const defaultDemoDays = 365;
/**
 * Members are generated this many at a time and their messages merged in time order; memory is
 * bounded by one cohort whatever `members` is. (Order is by time within a cohort, not across.)
 */
export const demoCohortSize = 100;

export interface DemoOptions {
  members: number;
  seed: number;
  /** End of history (exclusive): an ISO instant or epoch milliseconds. */
  until?: string | number;
  /** Length of history before `until`. */
  days?: number;
}

export function demoWindow(options: Pick<DemoOptions, 'until' | 'days'>): TimeWindow {
  const end = new Date(options.until ?? defaultDemoUntil).getTime();
  if (Number.isNaN(end)) throw new Error(`until is not a date: ${String(options.until)}`);
  const days = options.days ?? defaultDemoDays;
  if (!Number.isInteger(days) || days < 1) throw new Error('days must be a positive integer');
  return { start: end - days * dayMs, end };
}

function validate(options: DemoOptions): void {
  if (!Number.isSafeInteger(options.members) || options.members < 0) throw new Error('members must be an integer ≥ 0');
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new Error('seed must be an integer ≥ 0');
}

/** Member `index` of a seed is the same person however many members are generated. */
export function demoPerson(seed: number, index: number, window: TimeWindow): DemoPerson {
  return createPerson(index, seed, createRandom(seed, index), window);
}

function personMessages(seed: number, index: number, window: TimeWindow): TimedMessage[] {
  const random = createRandom(seed, index);
  const person = createPerson(index, seed, random, window);
  return buildPersonMessages(person, random, window, seed.toString(36));
}

export interface DemoCohort {
  /** Member indexes [firstMember, endMember). */
  firstMember: number;
  endMember: number;
  messages: DemoMessage[];
}

/** The history one cohort at a time: what a loader needs to report progress in members. */
export function* generateDemoCohorts(options: DemoOptions): Generator<DemoCohort> {
  validate(options);
  const window = demoWindow(options);
  for (let first = 0; first < options.members; first += demoCohortSize) {
    const end = Math.min(options.members, first + demoCohortSize);
    const cohort: TimedMessage[] = [];
    for (let index = first; index < end; index += 1) {
      for (const timed of personMessages(options.seed, index, window)) cohort.push(timed);
    }
    // Stable sort over members' already-sorted runs: ties keep member order, then emission order.
    cohort.sort((a, b) => a.at - b.at);
    yield { firstMember: first, endMember: end, messages: cohort.map((entry) => entry.message) };
  }
}

/**
 * The demo brand's history as Segment messages: a pure function of (members, seed, until, days).
 * Lazily yields one cohort at a time, in time order within it.
 */
export function* generateDemoMessages(options: DemoOptions): Generator<DemoMessage> {
  for (const cohort of generateDemoCohorts(options)) yield* cohort.messages;
}

export interface DemoSummary {
  members: number;
  messages: number;
  byType: Partial<Record<DemoMessageType, number>>;
  byEvent: Record<string, number>;
}

/** Counts messages as they stream past, for the CLI's report and the tests. */
export function createDemoTally(members: number) {
  const summary: DemoSummary = { members, messages: 0, byType: {}, byEvent: {} };
  return {
    add(message: DemoMessage): void {
      summary.messages += 1;
      summary.byType[message.type] = (summary.byType[message.type] ?? 0) + 1;
      if (message.event) summary.byEvent[message.event] = (summary.byEvent[message.event] ?? 0) + 1;
    },
    summary: (): DemoSummary => summary,
  };
}

export function summarizeDemoMessages(options: DemoOptions): DemoSummary {
  const tally = createDemoTally(options.members);
  for (const message of generateDemoMessages(options)) tally.add(message);
  return tally.summary();
}
