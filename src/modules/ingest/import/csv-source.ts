import type { Readable } from 'node:stream';
import { parse, type CsvError, type Parser } from 'csv-parse';
import { HearthError } from '../../../platform/errors.ts';
import { buildGroupMessage } from './csv-group-message.ts';
import { compileCsvMapping, type CompiledMapping } from './csv-mapping.ts';
import type { CsvMapping } from './csv-mapping.schema.ts';
import type { ImportItem, RowRejection } from './import.service.ts';
import { createRowGrouper, type RowGroup } from './row-grouping.ts';

export interface CsvSource {
  items: AsyncGenerator<ImportItem>;
  /** Data rows read so far (the header is not one). */
  rows(): number;
}

interface PendingSkip {
  /** Records the parser had emitted before the one it skipped. */
  afterRecords: number;
  line: number;
  reason: string;
}

/**
 * Physical line numbers without asking the parser for per-record info (which costs a third of the
 * parse time): a record spans one line plus the line breaks inside its quoted cells. Records the
 * parser skips are reported in file order once the records before them have been consumed.
 */
function createLineCounter() {
  let nextLine = 1;
  let consumed = 0;
  const skips: PendingSkip[] = [];
  return {
    onSkip(error: CsvError | undefined, emittedRecords: number): undefined {
      skips.push({
        afterRecords: emittedRecords,
        line: typeof error?.lines === 'number' ? error.lines : nextLine,
        reason: error?.message ?? 'not a valid CSV record',
      });
      return undefined;
    },
    /** Skips due before the next record (or all of them, at the end). */
    takeSkips(atEnd = false): RowRejection[] {
      const due: RowRejection[] = [];
      while (skips.length > 0 && (atEnd || (skips[0] as PendingSkip).afterRecords <= consumed)) {
        const skip = skips.shift() as PendingSkip;
        due.push({ line: skip.line, reason: skip.reason });
        nextLine = Math.max(nextLine, skip.line + 1);
      }
      return due;
    },
    lineOf(cells: readonly string[]): number {
      const line = nextLine;
      consumed += 1;
      nextLine += 1;
      for (const cell of cells) {
        for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) nextLine += 1;
      }
      return line;
    },
  };
}

function rejectedItems(rejections: RowRejection[]): ImportItem[] {
  return rejections.map((rejection) => ({ kind: 'rejected', rejections: [rejection] }));
}

function groupItem(mapping: CompiledMapping, group: RowGroup): ImportItem {
  const built = buildGroupMessage(mapping, group);
  if (!built.ok) return { kind: 'rejected', rejections: built.rejections };
  return { kind: 'message', line: built.line, message: built.message, ...(built.note ? { note: built.note } : {}) };
}

function compileOrThrow(mapping: CsvMapping, header: string[], timeZone: string): CompiledMapping {
  const compiled = compileCsvMapping(mapping, header, { timeZone });
  if (compiled.ok) return compiled.compiled;
  const summary = compiled.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new HearthError('invalid_request', summary, { issues: compiled.issues });
}

/**
 * Streams a CSV file through the mapping: the first record is the header, consecutive rows with
 * the same key become one message. Stray quotes are kept as data rather than losing the rest of
 * the file; a record the parser cannot read at all is reported by line and skipped.
 */
export function readCsvItems(input: Readable, mapping: CsvMapping, defaults: { timeZone: string }): CsvSource {
  let rowCount = 0;
  const lines = createLineCounter();
  const parser: Parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => lines.onSkip(error, parser.info.records),
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  async function* items(): AsyncGenerator<ImportItem> {
    let compiled: CompiledMapping | undefined;
    let grouper: ReturnType<typeof createRowGrouper> | undefined;
    for await (const cells of parser as AsyncIterable<string[]>) {
      const skipped = lines.takeSkips();
      rowCount += skipped.length;
      yield* rejectedItems(skipped);
      const line = lines.lineOf(cells);
      // An empty line parses as one empty cell; it is not a row.
      if (cells.length === 1 && cells[0] === '') continue;
      if (!compiled || !grouper) {
        compiled = compileOrThrow(mapping, cells, defaults.timeZone);
        grouper = createRowGrouper({ keyIndex: compiled.keyIndex });
        continue;
      }
      rowCount += 1;
      const closed = grouper.push({ line, cells });
      if (closed) yield groupItem(compiled, closed);
    }
    const skipped = lines.takeSkips(true);
    rowCount += skipped.length;
    yield* rejectedItems(skipped);
    if (!compiled || !grouper) {
      throw new HearthError('invalid_request', 'the file is empty: a CSV file starts with a header line');
    }
    const last = grouper.finish();
    if (last) yield groupItem(compiled, last);
  }

  return { items: items(), rows: () => rowCount };
}
