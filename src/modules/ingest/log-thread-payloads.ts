import type { InsertValues } from './event-log.repo.ts';

/**
 * A group of rows on its way to (or from) a thread. The payloads, nearly all of the bytes, go as
 * UTF-8 in one buffer that is transferred, not copied: structured cloning copied each payload
 * twice as UTF-16, and the log's writer then converted it to UTF-8 for SQLite anyway. Each row's
 * payload slot is empty on the way; `payloadEnds[i]` is where row i's payload ends in `payloads`.
 */
export interface PackedRows {
  rows: InsertValues[];
  payloads: ArrayBuffer;
  payloadEnds: Uint32Array;
}

/** An append's rows: as values made on this thread, or packed by a preparation thread. */
export type AppendRows = InsertValues[] | PackedRows;

export function isPacked(rows: AppendRows): rows is PackedRows {
  return !Array.isArray(rows);
}

export function countRows(rows: AppendRows): number {
  return isPacked(rows) ? rows.rows.length : rows.length;
}

/**
 * Packs rows whose payloads are JSON text; the rows themselves are reused, their payload slots
 * emptied. UTF-8 takes at most 3 bytes for each UTF-16 code unit, so the buffer is sized once.
 */
export function packRows(rows: InsertValues[]): PackedRows {
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

/** Rows in the form each writer takes: packed groups unpacked, in order. */
export function flattenRows(group: AppendRows[]): InsertValues[] {
  const rows: InsertValues[] = [];
  for (const part of group) for (const row of isPacked(part) ? unpackRows(part) : part) rows.push(row);
  return rows;
}
