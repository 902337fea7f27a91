import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bulkChunks, cachedStatement, runMultiRow, selectIn } from './sqlite-statements.ts';

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

describe('selectIn', () => {
  it('reads the rows of many ids through a statement per chunk, with parameters before the list and a tail', () => {
    const connection = new BetterSqlite3(':memory:');
    connection.exec('create table t (id text primary key, owner text, n integer)');
    const insert = connection.prepare('insert into t values (?, ?, ?)');
    for (let index = 0; index < 400; index += 1) insert.run(`id${index}`, index % 2 === 0 ? 'even' : 'odd', index);
    const wanted = Array.from({ length: 300 }, (_, index) => `id${index}`).concat('missing');
    const rows = selectIn<{ id: string; n: number }>(
      connection,
      { head: 'select id, n from t where owner = ? and id', tail: ' order by n', leading: ['even'] },
      wanted,
    );
    // 301 ids: chunks of 256, 32, 8, 4 and 1, each sorted by its own tail.
    expect(rows).toHaveLength(150);
    expect(rows.every((row) => row.n % 2 === 0 && row.n < 300)).toBe(true);
    expect(new Set(rows.map((row) => row.id)).size).toBe(150);
    expect(selectIn(connection, { head: 'select id from t where id' }, [])).toEqual([]);
    connection.close();
  });
});

describe('cachedStatement', () => {
  it('prepares a text once, and when full lets go of the least recently used text only', () => {
    const connection = new BetterSqlite3(':memory:');
    const texts = Array.from({ length: 1_001 }, (_, index) => `select ${index} as n`);
    const first = cachedStatement(connection, texts[0] as string);
    const second = cachedStatement(connection, texts[1] as string);
    for (const text of texts.slice(2, 1_000)) cachedStatement(connection, text);
    // The first is used again, so the second is now the least recently used; the 1,001st takes its place.
    expect(cachedStatement(connection, texts[0] as string)).toBe(first);
    cachedStatement(connection, texts[1_000] as string);
    expect(cachedStatement(connection, texts[0] as string)).toBe(first);
    const secondAgain = cachedStatement(connection, texts[1] as string);
    expect(secondAgain).not.toBe(second);
    expect(secondAgain.get()).toEqual({ n: 1 });
    connection.close();
  });
});
