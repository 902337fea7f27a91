import type { DbTransaction, DialectName, SqliteConnection } from '../db/database.ts';
import type { OperationAnswer } from './operation-answers.ts';

/** One entry of the event log as the processor hands it to the stages. */
export interface LoggedEvent {
  seq: number;
  id: string;
  workspaceId: string;
  messageId: string;
  type: string;
  eventName: string | null;
  eventTime: number;
  receivedAt: number;
  payload: Record<string, unknown>;
  /** Set by the identity stage; later stages read it. */
  memberId: string | null;
}

export interface MemberMerge {
  survivorId: string;
  mergedId: string;
  eventId: string;
}

/**
 * A batch of the log in flight. Stages run in order inside one transaction that also advances the
 * checkpoint, so each event's effects are applied exactly once. The identity outcome is carried
 * here because every later stage keys its state by member.
 */
export interface ProcessingBatch {
  transaction: DbTransaction;
  dialect: DialectName;
  /** On SQLite, the connection under `transaction`, for cached prepared statements (see WriteScope). */
  sqlite?: SqliteConnection | undefined;
  /** The checkpoint this batch started after (its events follow it in the log). */
  after: number;
  /**
   * The batch's events that count. A stage that refuses an event (bad numbers: the quality stage)
   * takes it out for the stages after it; the event stays in the log, and the checkpoint still
   * moves past it.
   */
  events: LoggedEvent[];
  /** Merges decided in this batch, in order; later stages fold the merged member's state into the survivor. */
  merges: MemberMerge[];
  /** Members whose history was re-attributed (an operator split): later stages rebuild them from their events. */
  rebuiltMembers: Set<string>;
  /**
   * The member as of each tracked event (event id → traits and features right after it), kept by
   * the profiles stage so later stages' rules see the member as the event found them, whatever the
   * batch boundaries: replay must decide exactly as live processing did.
   */
  memberSnapshots: Map<string, MemberSnapshot>;
  /** Members whose derived state a stage changed in this batch (points, tags, stages), for the stages after it. */
  changedMembers: Set<string>;
  /** What stages derived in this batch (`Tier Changed`), in order, for the stages after them. */
  derivedEvents: DerivedEvent[];
  /**
   * Answers to the batch's operations (event id → answer), besides the stored ones: the processor
   * hands them to requests waiting in this process once the batch has committed.
   */
  answers: Map<string, OperationAnswer>;
  now: number;
}

/**
 * An event a stage derived from the log, such as `Tier Changed`. Later stages of the same batch
 * react to it (journeys, audiences). It is not appended to the log: replay derives it again.
 */
export interface DerivedEvent {
  workspaceId: string;
  memberId: string;
  name: string;
  /** When it happened, which for time-driven changes is when it fell due, not when it was seen. */
  at: number;
  properties: Record<string, unknown>;
  /** The log event that caused it (an order, an operation, a clock tick). */
  causeEventId: string;
}

export interface MemberSnapshot {
  traits: Record<string, unknown>;
  features: Record<string, unknown>;
}

export interface Stage {
  readonly name: string;
  apply(batch: ProcessingBatch): Promise<void>;
  /** Clears the stage's derived state before a replay. */
  reset(transaction: DbTransaction): Promise<void>;
}

/** Stages keep state per workspace: a batch's events, grouped by workspace in log order. */
export function groupByWorkspace(events: LoggedEvent[]): Map<string, LoggedEvent[]> {
  // Most batches are one workspace's, and every stage groups them: one copy, not an array grown by pushes.
  const first = events[0];
  if (first && events.every((event) => event.workspaceId === first.workspaceId)) {
    return new Map([[first.workspaceId, events.slice()]]);
  }
  const groups = new Map<string, LoggedEvent[]>();
  for (const event of events) {
    const list = groups.get(event.workspaceId);
    if (list) list.push(event);
    else groups.set(event.workspaceId, [event]);
  }
  return groups;
}
