import { nextTurn } from '../../platform/event-loop.ts';
import type { Issue } from '../../platform/errors.ts';
import type { NewEvent } from '../ingest/ingest.schema.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import { createDemoTally, generateDemoCohorts, type DemoOptions, type DemoSummary } from './demo-data.ts';

export interface DemoLoadProgress {
  /** Members whose messages have been generated and validated (appends may trail by one chunk). */
  members: number;
  messages: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface DemoRejection {
  messageId: string;
  issues: Issue[];
}

export interface DemoLoadResult extends DemoLoadProgress {
  summary: DemoSummary;
  /** The first few rejections, to show; the generator is meant to produce none. */
  rejections: DemoRejection[];
}

export interface DemoLoadOptions extends DemoOptions {
  ingest: Pick<IngestService, 'prepare' | 'append'>;
  workspaceId: string;
  /** Events per append. */
  chunkSize?: number;
  onProgress?: (progress: DemoLoadProgress) => void;
}

const keptRejections = 10;

/**
 * Writes the demo history through the same validation and log as the tracking API. Each message
 * is received "at" its own timestamp, so event times spread over the history rather than all
 * landing on today; messageIds are fixed, so loading the same seed again only adds duplicates.
 */
export async function loadDemoData(options: DemoLoadOptions): Promise<DemoLoadResult> {
  const chunkSize = options.chunkSize ?? 2_000;
  const tally = createDemoTally(options.members);
  const progress: DemoLoadProgress = { members: 0, messages: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const rejections: DemoRejection[] = [];
  let chunk: NewEvent[] = [];

  async function flush(): Promise<void> {
    if (chunk.length === 0) return;
    const events = chunk;
    chunk = [];
    const appended = await options.ingest.append(events);
    progress.accepted += appended.accepted;
    progress.duplicates += appended.duplicates;
  }

  for (const cohort of generateDemoCohorts(options)) {
    for (const message of cohort.messages) {
      tally.add(message);
      progress.messages += 1;
      const prepared = options.ingest.prepare(options.workspaceId, message, {
        receivedAt: Date.parse(message.timestamp),
      });
      if (!prepared.ok) {
        progress.rejected += 1;
        if (rejections.length < keptRejections)
          rejections.push({ messageId: message.messageId, issues: prepared.issues });
        continue;
      }
      chunk.push(prepared.event);
      if (chunk.length >= chunkSize) await flush();
    }
    progress.members = cohort.endMember;
    options.onProgress?.({ ...progress });
    // SQLite commits resolve as microtasks: without a macrotask turn now and then, timers (the
    // progress bar's redraw) and signals would wait until the whole load is done.
    await nextTurn();
  }
  await flush();
  options.onProgress?.({ ...progress });
  return { ...progress, summary: tally.summary(), rejections };
}
