import type { InsertValues } from './event-log.repo.ts';

/**
 * Rows on their way between threads, in buffers that are transferred, not copied: every text
 * column as UTF-8 in `text`, the four times in `numbers`. Structured cloning had copied each
 * payload twice as UTF-16, and each row's array of columns cost as much again at each hop (a
 * preparation thread's rows cross two: to the main thread, then to the log's writer).
 */
export interface PackedRows {
  count: number;
  text: ArrayBuffer;
  /** Per row, per text column (`textColumns`): where its bytes end in `text`; -1 for null. */
  textEnds: Int32Array;
  /** Per row, per time column (`numberColumns`); NaN for null. */
  numbers: Float64Array;
}

/** An append's rows: as values made on this thread, or packed by a preparation thread. */
export type AppendRows = InsertValues[] | PackedRows;

/** Where each column of InsertValues goes: text (id … anonymous_id, payload) or numbers (the times). */
const textColumns = [0, 1, 2, 3, 4, 5, 6, 11] as const;
const numberColumns = [7, 8, 9, 10] as const;

export function isPacked(rows: AppendRows): rows is PackedRows {
  return !Array.isArray(rows);
}

export function countRows(rows: AppendRows): number {
  return isPacked(rows) ? rows.count : rows.length;
}

/** At most the bytes a text column takes in UTF-8: 3 for each UTF-16 code unit, so the buffer is sized once. */
function maximumBytes(value: string | Buffer | null): number {
  if (value === null) return 0;
  return typeof value === 'string' ? value.length * 3 : value.length;
}

/** Packs rows (a payload may already be UTF-8 bytes, as unpacked rows hold it). */
export function packRows(rows: InsertValues[]): PackedRows {
  let capacity = 0;
  for (const row of rows)
    for (const column of textColumns) capacity += maximumBytes(row[column] as string | Buffer | null);
  const text = Buffer.allocUnsafeSlow(capacity);
  const textEnds = new Int32Array(rows.length * textColumns.length);
  const numbers = new Float64Array(rows.length * numberColumns.length);
  let offset = 0;
  rows.forEach((row, index) => {
    textColumns.forEach((column, slot) => {
      const value = row[column] as string | Buffer | null;
      if (typeof value === 'string') offset += text.write(value, offset, 'utf8');
      else if (value !== null) offset += value.copy(text, offset);
      textEnds[index * textColumns.length + slot] = value === null ? -1 : offset;
    });
    numberColumns.forEach((column, slot) => {
      numbers[index * numberColumns.length + slot] = (row[column] as number | null) ?? Number.NaN;
    });
  });
  return { count: rows.length, text: text.buffer as ArrayBuffer, textEnds, numbers };
}

/** The rows again; each payload a view of its bytes (bound as a blob, stored as text: see the insert). */
export function unpackRows(packed: PackedRows): InsertValues[] {
  const text = Buffer.from(packed.text);
  const rows: InsertValues[] = [];
  let start = 0;
  for (let index = 0; index < packed.count; index += 1) {
    const row = new Array<InsertValues[number]>(12);
    textColumns.forEach((column, slot) => {
      const end = packed.textEnds[index * textColumns.length + slot] ?? -1;
      if (end === -1) {
        row[column] = null;
        return;
      }
      row[column] = column === 11 ? text.subarray(start, end) : text.toString('utf8', start, end);
      start = end;
    });
    numberColumns.forEach((column, slot) => {
      const value = packed.numbers[index * numberColumns.length + slot] ?? Number.NaN;
      row[column] = Number.isNaN(value) ? null : value;
    });
    rows.push(row as InsertValues);
  }
  return rows;
}

/** The buffers to transfer with a message that carries these parts. */
export function transferablesOf(parts: PackedRows[]): ArrayBuffer[] {
  return parts.flatMap((part) => [part.text, part.textEnds.buffer as ArrayBuffer, part.numbers.buffer as ArrayBuffer]);
}

/** Rows in the form each writer takes: packed groups unpacked, in order. */
export function flattenRows(group: AppendRows[]): InsertValues[] {
  const rows: InsertValues[] = [];
  for (const part of group) for (const row of isPacked(part) ? unpackRows(part) : part) rows.push(row);
  return rows;
}
