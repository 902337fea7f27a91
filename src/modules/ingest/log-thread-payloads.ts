import { toInsertValues, type InsertValues } from './event-log.repo.ts';
import type { NewEvent } from './ingest.schema.ts';

/**
 * A group of rows on its way to the log's writer thread. The payloads, nearly all of the bytes, go
 * as UTF-8 in one buffer that is transferred, not copied: structured cloning copied each payload
 * twice as UTF-16, and the writer then converted it to UTF-8 for SQLite anyway. Each row's payload
 * slot is empty on the way; `payloadEnds[i]` is where row i's payload ends in `payloads`.
 */
export interface PackedRows {
  rows: InsertValues[];
  payloads: ArrayBuffer;
  payloadEnds: Uint32Array;
}

/** UTF-8 takes at most 3 bytes for each UTF-16 code unit, so the buffer is sized once. */
export function packRows(events: NewEvent[]): PackedRows {
  const rows = events.map(toInsertValues);
  let capacity = 0;
  for (const row of rows) capacity += (row[11] as string).length * 3;
  const payloads = Buffer.allocUnsafeSlow(capacity);
  const payloadEnds = new Uint32Array(rows.length);
  let offset = 0;
  rows.forEach((row, index) => {
    offset += payloads.write(row[11] as string, offset, 'utf8');
    payloadEnds[index] = offset;
    row[11] = '';
  });
  return { rows, payloads: payloads.buffer as ArrayBuffer, payloadEnds };
}

/** The rows again, each payload a view of its bytes (bound as a blob, stored as text: see the insert). */
export function unpackRows(packed: PackedRows): InsertValues[] {
  let start = 0;
  packed.rows.forEach((row, index) => {
    const end = packed.payloadEnds[index] ?? start;
    row[11] = Buffer.from(packed.payloads, start, end - start);
    start = end;
  });
  return packed.rows;
}
