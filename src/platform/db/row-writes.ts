import { sql } from 'kysely';
import { bulkChunks, runMultiRow, type SqliteValue, type WriteScope } from './sqlite-statements.ts';

/**
 * A multi-row INSERT (or upsert) written once for both dialects: the processor's hot writes. On
 * SQLite inside the processor it runs as cached prepared statements on the raw connection; else
 * as one parameterized statement per chunk through Kysely's `sql`, which numbers the parameters
 * for the dialect. Kysely's insert builder cost more than SQLite's own work on these paths.
 */
export interface RowsWrite<Row> {
  table: string;
  columns: readonly string[];
  /** Upsert: the conflict target and the columns a conflicting row overwrites. */
  onConflict?: { target: readonly string[]; update: readonly string[] };
  /** One row's values, in the order of `columns`. */
  values(row: Row): SqliteValue[];
}

interface StatementText {
  head: string;
  row: string;
  tail: string;
}

const texts = new WeakMap<object, StatementText>();

function textOf<Row>(spec: RowsWrite<Row>): StatementText {
  let text = texts.get(spec);
  if (!text) {
    const conflict = spec.onConflict;
    text = {
      head: `insert into ${spec.table} (${spec.columns.join(', ')})`,
      row: `(${spec.columns.map(() => '?').join(', ')})`,
      tail: conflict
        ? ` on conflict (${conflict.target.join(', ')}) do update set ` +
          conflict.update.map((column) => `${column} = excluded.${column}`).join(', ')
        : '',
    };
    texts.set(spec, text);
  }
  return text;
}

export async function writeRows<Row>(scope: WriteScope, spec: RowsWrite<Row>, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const text = textOf(spec);
  if (scope.sqlite) {
    runMultiRow(scope.sqlite, text, rows, spec.values);
    return;
  }
  for (const chunk of bulkChunks(rows)) {
    const values = sql.join(chunk.map((row) => sql`(${sql.join(spec.values(row))})`));
    await sql`${sql.raw(text.head)} values ${values}${sql.raw(text.tail)}`.execute(scope.transaction);
  }
}
