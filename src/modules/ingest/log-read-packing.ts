import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { eventOfRow, type LogRow } from './sqlite-log-reader.ts';

/**
 * Rows of the processor's read as a reader thread hands them over. Structured cloning of the rows
 * as they are cost the main thread nearly what reading them had (2.5 µs an event against 3.9 on
 * the demo log: thousands of strings, two-byte for Chinese payloads, each rebuilt apart). The
 * payloads, most of the bytes, travel instead as one UTF-16 buffer, transferred, which the main
 * thread turns back into strings in one decode and one split (0.5 µs an event).
 */
export interface PackedLogRows {
  count: number;
  /** seq, event time and received-at of each row, in turn. */
  numbers: Float64Array;
  /** id, workspace, message id, type, event name and member of each row, in turn. */
  texts: (string | null)[];
  /** Every payload in UTF-16LE, separated by U+0000, which JSON text never holds (it must be escaped in strings). */
  payloads: Uint8Array;
}

const separator = '\u0000';

export function packLogRows(rows: LogRow[]): PackedLogRows {
  const numbers = new Float64Array(rows.length * 3);
  const texts: (string | null)[] = [];
  rows.forEach((row, index) => {
    numbers[index * 3] = row[0];
    numbers[index * 3 + 1] = row[6];
    numbers[index * 3 + 2] = row[7];
    texts.push(row[1], row[2], row[3], row[4], row[5], row[9]);
  });
  const encoded = Buffer.from(rows.map((row) => row[8]).join(separator), 'utf16le');
  // A buffer of its own, so it can be transferred (small ones share Node's pool).
  const payloads =
    encoded.byteOffset === 0 && encoded.byteLength === encoded.buffer.byteLength ? encoded : new Uint8Array(encoded);
  return { count: rows.length, numbers, texts, payloads };
}

export function transferablesOfLogRows(packed: PackedLogRows): ArrayBuffer[] {
  return [packed.numbers.buffer as ArrayBuffer, packed.payloads.buffer as ArrayBuffer];
}

/**
 * The events of packed rows; undefined when a payload held the separator itself (the split then
 * disagrees with the count), for the caller to read those rows itself.
 */
export function unpackLogRows(packed: PackedLogRows): LoggedEvent[] | undefined {
  if (packed.count === 0) return [];
  const bytes = packed.payloads;
  const payloads = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf16le').split(separator);
  if (payloads.length !== packed.count) return undefined;
  const { numbers, texts } = packed;
  const events: LoggedEvent[] = [];
  for (let index = 0; index < packed.count; index += 1) {
    const at = index * 6;
    const row: LogRow = [
      numbers[index * 3] as number,
      texts[at] as string,
      texts[at + 1] as string,
      texts[at + 2] as string,
      texts[at + 3] as string,
      texts[at + 4] ?? null,
      numbers[index * 3 + 1] as number,
      numbers[index * 3 + 2] as number,
      payloads[index] as string,
      texts[at + 5] ?? null,
    ];
    events.push(eventOfRow(row));
  }
  return events;
}
