import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteConnection } from './sqlite-connection.ts';

describe('openSqliteConnection', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'hearth-sqlite-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('creates a new database with 8 KB pages in WAL mode, and its rows survive reopening', () => {
    const location = join(directory, 'new.db');
    const connection = openSqliteConnection(location);
    connection.exec('create table items (id integer primary key, name text)');
    connection.prepare('insert into items (name) values (?)').run('first');
    expect(connection.pragma('page_size', { simple: true })).toBe(8192);
    expect(connection.pragma('journal_mode', { simple: true })).toBe('wal');
    connection.close();

    const reopened = openSqliteConnection(location);
    expect(reopened.pragma('page_size', { simple: true })).toBe(8192);
    expect(reopened.prepare('select name from items').pluck().all()).toEqual(['first']);
    reopened.close();
  });

  it('keeps the page size of a database created before, with its data', () => {
    const location = join(directory, 'old.db');
    const older = new BetterSqlite3(location);
    older.pragma('journal_mode = WAL');
    older.exec('create table items (id integer primary key, name text)');
    older.prepare('insert into items (name) values (?)').run('kept');
    expect(older.pragma('page_size', { simple: true })).toBe(4096);
    older.close();

    const connection = openSqliteConnection(location);
    expect(connection.pragma('page_size', { simple: true })).toBe(4096);
    expect(connection.prepare('select name from items').pluck().all()).toEqual(['kept']);
    connection.close();
  });
});
