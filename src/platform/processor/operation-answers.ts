/** What a processed operation answers the request that appended it: an HTTP status and body. */
export interface OperationAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Answers of operations this process processed, kept from the batch's commit until the waiting
 * request takes them. The stages also store every answer (a retry, or a request in another
 * process, reads it back); this saves the waiting request that read, which after the log
 * writer's commits starts on a cold page cache. Oldest entries go first when nobody takes them
 * (an import, a replay, operations appended by another process).
 */
export interface OperationAnswers {
  /** Called once the batch that decided them has committed. */
  remember(answers: ReadonlyMap<string, OperationAnswer>): void;
  /** The answer to the operation logged as `eventId`, once: a later call reads the stored one. */
  take(eventId: string): OperationAnswer | undefined;
}

export function createOperationAnswers(capacity = 10_000): OperationAnswers {
  const kept = new Map<string, OperationAnswer>();
  return {
    remember(answers) {
      for (const [eventId, answer] of answers) {
        if (kept.size >= capacity) kept.delete(kept.keys().next().value as string);
        kept.set(eventId, answer);
      }
    },
    take(eventId) {
      const answer = kept.get(eventId);
      kept.delete(eventId);
      return answer;
    },
  };
}
