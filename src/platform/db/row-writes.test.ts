import { describe, expect, it } from 'vitest';
import { useMigratedTestDatabase } from '../../../test/support/test-database.ts';
import { withWriteLock, type Database } from './database.ts';
import { writeRows, type RowsWrite } from './row-writes.ts';
import type { WriteScope } from './sqlite-statements.ts';

const opened = useMigratedTestDatabase();

interface Usage {
  ruleId: string;
  scope: string;
  points: number;
}

const usageRows: RowsWrite<Usage> = {
  table: 'loyalty_rule_usage',
  columns: ['workspace_id', 'rule_id', 'scope', 'points'],
  onConflict: { target: ['workspace_id', 'rule_id', 'scope'], update: ['points'] },
  values: (usage) => ['ws_a', usage.ruleId, usage.scope, usage.points],
};

async function readUsage(database: Database) {
  const rows = await database.db
    .selectFrom('loyalty_rule_usage')
    .select(['rule_id', 'scope', 'points'])
    .orderBy('rule_id')
    .orderBy('scope')
    .execute();
  return rows.map((row) => `${row.rule_id}/${row.scope}=${row.points}`);
}

/** Inside the processor the SQLite connection comes along; elsewhere (and on PostgreSQL) only Kysely. */
const scopes: Array<[string, (database: Database, transaction: WriteScope['transaction']) => WriteScope]> = [
  ['through Kysely', (_database, transaction) => ({ transaction })],
  [
    'on the raw SQLite connection when there is one',
    (database, transaction) => ({ transaction, sqlite: database.sqlite }),
  ],
];

describe.each(scopes)('writeRows %s', (_name, scopeOf) => {
  it('inserts in chunks and, on a conflict, overwrites only the columns it names', async () => {
    const database = opened.database;
    // 300 rows: more than one statement's chunk of 256.
    const first = Array.from({ length: 300 }, (_, index) => ({
      ruleId: `r${String(index).padStart(3, '0')}`,
      scope: 'total',
      points: index,
    }));
    await withWriteLock(database, 'test', (transaction) => writeRows(scopeOf(database, transaction), usageRows, first));
    const stored = await readUsage(database);
    expect(stored).toHaveLength(300);
    expect(stored[299]).toBe('r299/total=299');

    await withWriteLock(database, 'test', (transaction) =>
      writeRows(scopeOf(database, transaction), usageRows, [
        { ruleId: 'r000', scope: 'total', points: 1_000 },
        { ruleId: 'r000', scope: 'day', points: 7 },
      ]),
    );
    const after = await readUsage(database);
    expect(after).toHaveLength(301);
    expect(after.slice(0, 2)).toEqual(['r000/day=7', 'r000/total=1000']);
    expect(after[2]).toBe('r001/total=1');
  });

  it('writes nothing for no rows, and nothing of a chunk that fails', async () => {
    const database = opened.database;
    await withWriteLock(database, 'test', (transaction) => writeRows(scopeOf(database, transaction), usageRows, []));
    const broken: RowsWrite<Usage> = { ...usageRows, values: (usage) => ['ws_a', usage.ruleId, null, usage.points] };
    await expect(
      withWriteLock(database, 'test', (transaction) =>
        writeRows(scopeOf(database, transaction), broken, [{ ruleId: 'r1', scope: 'total', points: 1 }]),
      ),
    ).rejects.toThrow(/not null|null value/i);
    expect(await readUsage(database)).toEqual([]);
  });
});
