import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { InListBucketsSqliteDialect, paddedLength } from './in-list-buckets.ts';

interface Tables {
  t: { id: number; name: string | null };
}

function openPadded() {
  const connection = new BetterSqlite3(':memory:');
  connection.exec('create table t (id integer primary key, name text)');
  const insert = connection.prepare('insert into t values (?, ?)');
  for (let id = 1; id <= 20; id += 1) insert.run(id, id % 5 === 0 ? null : `n${id}`);
  const db = new Kysely<Tables>({
    dialect: new InListBucketsSqliteDialect({ database: connection }),
  });
  return { connection, db };
}

const placeholders = (text: string) => text.split('?').length - 1;

describe('InListBucketsSqliteDialect', () => {
  it('pads in and not in lists to a power of two, with the same rows as the list unpadded', async () => {
    const { db } = openPadded();
    const wanted = [3, 7, 11];
    const query = db.selectFrom('t').select('id').where('id', 'in', wanted).orderBy('id');
    expect(placeholders(query.compile().sql)).toBe(4);
    expect((await query.execute()).map((row) => row.id)).toEqual([3, 7, 11]);
    const outside = db.selectFrom('t').select('id').where('id', 'not in', [1, 2, 3, 4, 5]).where('id', '<', 9);
    expect(placeholders(outside.compile().sql)).toBe(8 + 1);
    expect((await outside.orderBy('id').execute()).map((row) => row.id)).toEqual([6, 7, 8]);
    await db.destroy();
  });

  it('leaves inserted rows, empty lists and lists over 1,024 values as they are', async () => {
    const { db } = openPadded();
    const insert = db.insertInto('t').values([
      { id: 21, name: 'a' },
      { id: 22, name: 'b' },
      { id: 23, name: 'c' },
    ]);
    expect(placeholders(insert.compile().sql)).toBe(6);
    await insert.execute();
    expect(await db.selectFrom('t').select('id').where('id', '>', 20).execute()).toHaveLength(3);
    const many = Array.from({ length: 1_500 }, (_, index) => index);
    expect(placeholders(db.selectFrom('t').select('id').where('id', 'in', many).compile().sql)).toBe(1_500);
    await db.destroy();
  });

  it('gives a list of any length up to 1,024 one of eleven lengths', () => {
    const lengths = new Set(Array.from({ length: 1_024 }, (_, index) => paddedLength(index + 1)));
    expect([...lengths]).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024]);
    expect(paddedLength(0)).toBe(0);
    expect(paddedLength(1_025)).toBe(1_025);
  });
});
