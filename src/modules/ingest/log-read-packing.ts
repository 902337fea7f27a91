import type { LoggedEvent } from '../../platform/processor/stage.ts';
import { eventOfRow, type LogRow } from './sqlite-log-reader.ts';

/**
 * Rows of the processor's read as a reader thread hands them over. Structured cloning of the rows
 * as they are cost the main thread nearly what reading them had (2.5 µs an event against 3.9 on
 * the demo log: thousands of strings, two-byte for Chinese payloads, each rebuilt apart). The
 * payloads, most of the bytes, travel instead as one UTF-16 buffer, transferred, from which the
 * main thread decodes each payload by its offsets (a decode of the whole and a split had been
 * 0.3 µs an event slower with the parse, the parser being slower on the split's slices).
 */
export interface PackedLogRows {
  count: number;
  /** seq, event time and received-at of each row, in turn. */
  numbers: Float64Array;
  /** id, workspace, message id, type, event name and member of each row, in turn. */
  texts: (string | null)[];
  /** Every payload in UTF-16LE (two bytes a code unit), one after the other. */
  payloads: Uint8Array;
  /** Where each payload ends in `payloads`, in bytes. */
  payloadEnds: Uint32Array;
}

export function packLogRows(rows: LogRow[]): PackedLogRows {
  const numbers = new Float64Array(rows.length * 3);
  const payloadEnds = new Uint32Array(rows.length);
  const texts: (string | null)[] = [];
  let end = 0;
  rows.forEach((row, index) => {
    numbers[index * 3] = row[0];
    numbers[index * 3 + 1] = row[6];
    numbers[index * 3 + 2] = row[7];
    texts.push(row[1], row[2], row[3], row[4], row[5], row[9]);
    end += row[8].length * 2;
    payloadEnds[index] = end;
  });
  const encoded = Buffer.from(rows.map((row) => row[8]).join(''), 'utf16le');
  // A buffer of its own, so it can be transferred (small ones share Node's pool).
  const payloads =
    encoded.byteOffset === 0 && encoded.byteLength === encoded.buffer.byteLength ? encoded : new Uint8Array(encoded);
  return { count: rows.length, numbers, texts, payloads, payloadEnds };
}

export function transferablesOfLogRows(packed: PackedLogRows): ArrayBuffer[] {
  return [packed.numbers.buffer, packed.payloads.buffer, packed.payloadEnds.buffer] as ArrayBuffer[];
}

export function unpackLogRows(packed: PackedLogRows): LoggedEvent[] {
  const { numbers, texts, payloadEnds } = packed;
  const bytes = Buffer.from(packed.payloads.buffer, packed.payloads.byteOffset, packed.payloads.byteLength);
  const events: LoggedEvent[] = [];
  let start = 0;
  for (let index = 0; index < packed.count; index += 1) {
    const at = index * 6;
    const end = payloadEnds[index] as number;
    const row: LogRow = [
      numbers[index * 3] as number,
      texts[at] as string,
      texts[at + 1] as string,
      texts[at + 2] as string,
      texts[at + 3] as string,
      texts[at + 4] ?? null,
      numbers[index * 3 + 1] as number,
      numbers[index * 3 + 2] as number,
      bytes.toString('utf16le', start, end),
      texts[at + 5] ?? null,
    ];
    start = end;
    events.push(eventOfRow(row));
  }
  return events;
}
