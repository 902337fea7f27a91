/** One data row of a CSV file; `line` is the 1-based physical line it starts on (the header is line 1). */
export interface CsvRow {
  line: number;
  cells: string[];
}

export interface RowGroup {
  /** The grouping key; undefined when the mapping has no `groupBy` (every row is its own group). */
  key: string | undefined;
  rows: CsvRow[];
  firstLine: number;
  rowCount: number;
  /** More rows than a group may hold: the rest were counted, not kept. */
  overflowed: boolean;
  /** Set when the key already formed a group that ended at this line: the file is not sorted by key. */
  earlierGroupEndedAt: number | undefined;
}

export interface RowGrouperOptions {
  keyIndex: number | undefined;
  /** Bounds memory for one group; far above what fits in one 32 KB event anyway. */
  maxRowsPerGroup?: number;
  /** How many finished keys are remembered to catch a key that comes back. */
  recentKeys?: number;
}

export interface RowGrouper {
  /** Adds a row; returns the group it closed, if it started a new one. */
  push(row: CsvRow): RowGroup | undefined;
  /** The last group, at the end of the file. */
  finish(): RowGroup | undefined;
}

/**
 * Consecutive rows with the same key form one group. The file is streamed, so a key that shows
 * up again later cannot join its first group; it is flagged instead, using a bounded memory of
 * recent keys (oldest forgotten first) so memory stays constant on any file size.
 */
export function createRowGrouper(options: RowGrouperOptions): RowGrouper {
  const maxRows = options.maxRowsPerGroup ?? 10_000;
  const recentLimit = options.recentKeys ?? 100_000;
  const finishedKeys = new Map<string, number>();
  let current: (RowGroup & { lastLine: number }) | undefined;

  function start(row: CsvRow, key: string | undefined): void {
    current = {
      key,
      rows: [row],
      firstLine: row.line,
      lastLine: row.line,
      rowCount: 1,
      overflowed: false,
      earlierGroupEndedAt: key === undefined ? undefined : finishedKeys.get(key),
    };
  }

  function close(): RowGroup | undefined {
    if (!current) return undefined;
    const { lastLine, ...group } = current;
    if (group.key !== undefined) {
      finishedKeys.delete(group.key);
      finishedKeys.set(group.key, lastLine);
      if (finishedKeys.size > recentLimit) {
        const oldest = finishedKeys.keys().next().value;
        if (oldest !== undefined) finishedKeys.delete(oldest);
      }
    }
    current = undefined;
    return group;
  }

  return {
    push(row) {
      const key = options.keyIndex === undefined ? undefined : (row.cells[options.keyIndex] ?? '');
      if (current && key !== undefined && current.key === key) {
        current.rowCount += 1;
        current.lastLine = row.line;
        if (current.rows.length < maxRows) current.rows.push(row);
        else current.overflowed = true;
        return undefined;
      }
      const closed = close();
      start(row, key);
      return closed;
    },
    finish: close,
  };
}
