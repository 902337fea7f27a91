import { sql } from 'kysely';
import type { Database } from '../../src/platform/db/database.ts';

/** Every row of every table, one sorted line per row, by table. */
export type DatabaseDump = Map<string, string[]>;

function rowLine(row: Record<string, unknown>): string {
  const entries = Object.entries(row).map(([key, value]) => [
    key,
    Buffer.isBuffer(value) ? value.toString('base64') : value instanceof Date ? value.toISOString() : value,
  ]);
  return JSON.stringify(entries.sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
}

/** Reads every table (migrations' bookkeeping aside) in one snapshot: one statement, or one transaction. */
export async function dumpDatabase(database: Database): Promise<DatabaseDump> {
  const tables = (await database.db.introspection.getTables()).map((table) => table.name).sort();
  const dump: DatabaseDump = new Map(tables.map((table) => [table, []]));
  if (database.dialect === 'postgres') {
    // One round trip for every table: a query per table made the fuzz test's dumps most of its time.
    const parts = tables.map(
      (table) => sql`select ${table} as t, row_to_json(r)::text as line from ${sql.table(table)} r`,
    );
    const { rows } = await sql<{ t: string; line: string }>`${sql.join(parts, sql` union all `)}`.execute(database.db);
    for (const row of rows) dump.get(row.t)?.push(row.line);
  } else {
    await database.db.transaction().execute(async (db) => {
      for (const table of tables) {
        const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
        dump.set(table, rows.map(rowLine));
      }
    });
  }
  for (const lines of dump.values()) lines.sort();
  return dump;
}

export interface DumpDifference {
  table: string;
  added: string[];
  removed: string[];
}

/** The rows one dump has and the other has not, by table. */
export function differences(before: DatabaseDump, after: DatabaseDump): DumpDifference[] {
  const found: DumpDifference[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const old = new Set(before.get(table) ?? []);
    const now = new Set(after.get(table) ?? []);
    const added = [...now].filter((line) => !old.has(line));
    const removed = [...old].filter((line) => !now.has(line));
    if (added.length > 0 || removed.length > 0) found.push({ table, added, removed });
  }
  return found;
}
