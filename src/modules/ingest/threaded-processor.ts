import type { Processor } from '../../platform/processor/processor.ts';
import { EventLogWriteError } from './log-thread-errors.ts';
import type { LogThreadReply, LogThreadRequest, ProcessAction } from './event-log-thread.ts';

type ProcessReply = Extract<LogThreadReply, { kind: 'processed' | 'process-done' | 'process-failed' }>;

export function isProcessReply(reply: LogThreadReply): reply is ProcessReply {
  return reply.kind === 'processed' || reply.kind === 'process-done' || reply.kind === 'process-failed';
}

export interface ThreadedProcessor extends Processor {
  /** Takes the thread's answers about processing. */
  receive(reply: ProcessReply): void;
  /** Requests still waiting for their answer. */
  waiting(): number;
  failAll(error: Error): void;
}

/**
 * The main thread's face of the processor running in the log's thread (see LogThreadData): the
 * same interface, each call a message. The thread says after every batch how far it has come, so
 * `processedThrough` answers a request waiting for its operation without a message.
 */
export function createThreadedProcessor(post: (request: LogThreadRequest) => void): ThreadedProcessor {
  const pending = new Map<number, { resolve: (result: number) => void; reject: (error: unknown) => void }>();
  let nextId = 0;
  let seen = 0;
  let stopped: Error | undefined;
  let catchingUp: Promise<number> | undefined;

  function ask(action: ProcessAction): Promise<number> {
    if (stopped) return Promise.reject(stopped);
    const id = (nextId += 1);
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      post({ kind: 'process', id, action });
    });
  }

  function receive(reply: ProcessReply): void {
    if (reply.kind === 'processed') {
      seen = Math.max(seen, reply.through);
      return;
    }
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.kind === 'process-done') {
      seen = Math.max(seen, reply.through);
      waiting.resolve(reply.result);
    } else waiting.reject(new EventLogWriteError(reply.message, reply.code));
  }

  return {
    receive,
    waiting: () => pending.size,
    failAll(error) {
      stopped ??= error;
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    },
    runOnce: () => ask('run-once'),
    // Requests of the same moment share one message, as they share one catch-up in the thread.
    catchUp() {
      catchingUp ??= ask('catch-up').finally(() => {
        catchingUp = undefined;
      });
      return catchingUp;
    },
    processedThrough: () => seen,
    async runUntilIdle(onProgress) {
      const processed = await ask('run-until-idle');
      if (processed > 0) onProgress?.(seen);
      return processed;
    },
    start: () => void ask('start').catch(() => undefined),
    wake: (position) => {
      if (!stopped) post({ kind: 'wake', position });
    },
    stop: async () => {
      if (!stopped) await ask('stop');
    },
    position: () => ask('position'),
    reset: async () => {
      await ask('reset');
      seen = 0;
    },
  };
}
