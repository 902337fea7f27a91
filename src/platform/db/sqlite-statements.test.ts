import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bulkChunks, cachedStatement, runMultiRow } from './sqlite-statements.ts';

describe('bulkChunks', () => {
  it('keeps every item in order, in chunks of 256 then powers of two', () => {
    const items = Array.from({ length: 600 }, (_, index) => index);
    const chunks = bulkChunks(items);
    expect(chunks.map((chunk) => chunk.length)).toEqual([256, 256, 64, 16, 8]);
    expect(chunks.flat()).toEqual(items);
    expect(bulkChunks([])).toEqual([]);
  });
});

describe('runMultiRow', () => {
  it('writes every row through a few cached statements', () => {
    const connection = new BetterSqlite3(':memory:');
    connection.exec('create table t (a integer primary key, b text)');
    const rows = Array.from({ length: 300 }, (_, index) => ({ a: index, b: `v${index}` }));
    const insert = { head: 'insert into t (a, b)', row: '(?, ?)' };
    runMultiRow(connection, insert, rows, (row) => [row.a, row.b]);
    const upsert = { ...insert, tail: ' on conflict (a) do update set b = excluded.b' };
    runMultiRow(connection, upsert, [{ a: 7, b: 'changed' }], (row) => [row.a, row.b]);
    expect(cachedStatement(connection, 'select count(*) as n from t').get()).toEqual({ n: 300 });
    expect(cachedStatement(connection, 'select b from t where a = ?').get(7)).toEqual({ b: 'changed' });
    connection.close();
  });
});
