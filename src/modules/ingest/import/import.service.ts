import type { Issue } from '../../../platform/errors.ts';
import { ingestLimits, type NewEvent } from '../ingest.schema.ts';
import type { IngestService } from '../ingest.service.ts';
import type { RowRejection } from './csv-group-message.ts';

export type { RowRejection };

/** What a source (NDJSON lines, CSV groups) yields: one message, or one event's worth of rejection. */
export type ImportItem =
  | { kind: 'message'; line: number; message: Record<string, unknown>; note?: string }
  | { kind: 'rejected'; rejections: RowRejection[] };

/** Counts of events: a CSV group is one event however many rows it has. */
export interface ImportCounts {
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface ImportOptions {
  ingest: Pick<IngestService, 'prepare' | 'append'>;
  workspaceId: string;
  items: AsyncIterable<ImportItem>;
  onRejected: (rejection: RowRejection) => void;
  /** Events per append; each is awaited before reading on, which keeps memory flat. */
  chunkSize?: number;
  onAppended?: (counts: ImportCounts) => void;
}

export function describeIssues(issues: Issue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
}

/**
 * Validates each message as the tracking API would and appends them in chunks. A bad item is
 * reported and counted, never fatal; a database fault is (it propagates).
 */
export async function importItems(options: ImportOptions): Promise<ImportCounts> {
  const chunkSize = options.chunkSize ?? 2_000;
  const counts: ImportCounts = { accepted: 0, duplicates: 0, rejected: 0 };
  let chunk: NewEvent[] = [];

  async function flush(): Promise<void> {
    if (chunk.length === 0) return;
    const events = chunk;
    chunk = [];
    const result = await options.ingest.append(events);
    counts.accepted += result.accepted;
    counts.duplicates += result.duplicates;
    options.onAppended?.({ ...counts });
  }

  for await (const item of options.items) {
    if (item.kind === 'rejected') {
      counts.rejected += 1;
      for (const rejection of item.rejections) options.onRejected(rejection);
      continue;
    }
    const prepared = options.ingest.prepare(options.workspaceId, item.message, {
      path: '',
      maxEventBytes: ingestLimits.maxImportEventBytes,
    });
    if (!prepared.ok) {
      counts.rejected += 1;
      const note = item.note ? ` (${item.note})` : '';
      options.onRejected({ line: item.line, reason: describeIssues(prepared.issues) + note });
      continue;
    }
    chunk.push(prepared.event);
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  return counts;
}
