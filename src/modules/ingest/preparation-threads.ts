import { Worker, type ResourceLimits } from 'node:worker_threads';
import { HearthError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import type { AppendRows } from './log-thread-payloads.ts';
import type { PreparationReply, PreparationRequest, PreparationThreadData } from './preparation-thread.ts';
import { prepareEncodedRequest, type EncodedTrackingRequest } from './request-preparation.ts';

/** Prepares tracking requests (decode, validate, serialise) for the log: see preparation-thread.ts. */
export interface RequestPreparer {
  /** The request's rows for the writer; rejects with the HearthError the main thread would have thrown. */
  prepare(request: EncodedTrackingRequest): Promise<AppendRows>;
  close(): Promise<void>;
}

export interface PreparationThreadsOptions {
  threads: number;
  /** Above this many request bytes waiting for a thread, new requests are refused with 429. */
  maxQueuedBytes?: number;
  logger?: Logger;
  /** Caps on each thread's heap; a thread that reaches them dies like any other (see below). */
  resourceLimits?: ResourceLimits;
}

interface Pending {
  bytes: number;
  resolve: (rows: AppendRows) => void;
  reject: (error: unknown) => void;
}

interface PreparationThread {
  worker: Worker;
  pending: Map<number, Pending>;
  queuedBytes: number;
}

const threadStopped = () =>
  new HearthError('unavailable', 'a request preparation thread stopped; retry', { retryAfterSeconds: 1 });

function settle(thread: PreparationThread, reply: PreparationReply): void {
  const pending = thread.pending.get(reply.id);
  if (!pending) return;
  thread.pending.delete(reply.id);
  thread.queuedBytes -= pending.bytes;
  if (thread.pending.size === 0) thread.worker.unref();
  if (reply.kind === 'prepared') pending.resolve(reply.packed);
  else if (reply.kind === 'refused') {
    const { code, message, issues, retryAfterSeconds } = reply.refusal;
    pending.reject(new HearthError(code, message, { issues, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) }));
  } else pending.reject(new Error(`request preparation failed: ${reply.message}`));
}

/**
 * Threads that prepare tracking requests off the main thread, which then only serves HTTP and
 * groups commits. Each request goes to the thread with the fewest bytes waiting. A thread that
 * dies fails what it held with 503 (nothing of it was written) and is not replaced; with none
 * left, requests are prepared on the main thread as before.
 */
export function createPreparationThreads(options: PreparationThreadsOptions): RequestPreparer {
  const maxQueuedBytes = options.maxQueuedBytes ?? 64 * 1024 * 1024;
  const threads: PreparationThread[] = [];
  let nextId = 0;

  function start(): PreparationThread {
    const workerData: PreparationThreadData = { hearthPreparation: true };
    const worker = new Worker(new URL('./preparation-thread-entry.js', import.meta.url), {
      workerData,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    const thread: PreparationThread = { worker, pending: new Map(), queuedBytes: 0 };
    // Only requests under way keep the process alive; idle threads do not.
    worker.unref();
    worker.on('message', (reply: PreparationReply) => settle(thread, reply));
    const stop = (reason: string) => {
      const index = threads.indexOf(thread);
      if (index === -1) return;
      threads.splice(index, 1);
      options.logger?.error({ reason }, 'a request preparation thread stopped');
      for (const pending of thread.pending.values()) pending.reject(threadStopped());
      thread.pending.clear();
    };
    worker.on('error', (error) => stop(error.message));
    worker.on('exit', (code) => stop(`exited with code ${code}`));
    return thread;
  }

  for (let index = 0; index < options.threads; index += 1) threads.push(start());

  function leastBusy(): PreparationThread | undefined {
    let chosen: PreparationThread | undefined;
    for (const thread of threads) if (!chosen || thread.queuedBytes < chosen.queuedBytes) chosen = thread;
    return chosen;
  }

  async function prepare(request: EncodedTrackingRequest): Promise<AppendRows> {
    const thread = leastBusy();
    if (!thread) return prepareEncodedRequest(request);
    const bytes = request.body.byteLength;
    const queued = threads.reduce((sum, each) => sum + each.queuedBytes, 0);
    if (queued > 0 && queued + bytes > maxQueuedBytes) {
      throw new HearthError('overloaded', 'too many requests are waiting to be prepared; retry shortly', {
        retryAfterSeconds: 1,
      });
    }
    const id = (nextId += 1);
    return new Promise<AppendRows>((resolve, reject) => {
      thread.pending.set(id, { bytes, resolve, reject });
      thread.queuedBytes += bytes;
      thread.worker.ref();
      // The body is copied, not transferred: it may share its memory with Node's buffer pool.
      thread.worker.postMessage({ kind: 'prepare', id, ...request } satisfies PreparationRequest);
    });
  }

  async function close(): Promise<void> {
    const stopping = threads.splice(0).map(async (thread) => {
      const exited = new Promise<void>((resolve) => thread.worker.once('exit', () => resolve()));
      thread.worker.ref();
      thread.worker.postMessage({ kind: 'close' } satisfies PreparationRequest);
      await exited;
    });
    await Promise.all(stopping);
  }

  return { prepare, close };
}
