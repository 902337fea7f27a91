import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { openSqliteConnection } from './sqlite-connection.ts';
import { backstopCheckpointPages, checkpointInBackground, startWalCheckpointer } from './wal-checkpointer.ts';

const rows = 2_000;

/** About 8 MB of rows in one commit: far below the backstop, so only a checkpointer copies them back. */
function writeRows(location: string) {
  const connection = openSqliteConnection(location, { autoCheckpointPages: backstopCheckpointPages });
  connection.exec('create table items (id integer primary key, body text)');
  const insert = connection.prepare('insert into items (body) values (?)');
  connection.transaction(() => {
    for (let index = 0; index < rows; index += 1) insert.run(`${index}:`.padEnd(4_000, 'x'));
  })();
  return connection;
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('WAL checkpointer', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'hearth-checkpointer-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('copies committed pages into the database file from its thread, while the writer keeps its connection', async () => {
    const location = join(directory, 'hearth.db');
    const connection = writeRows(location);
    // Nothing has checkpointed: the rows are only in the WAL.
    const before = statSync(location).size;
    expect(before).toBeLessThan(1_000_000);

    const checkpointer = startWalCheckpointer(location, silentLogger, 20);
    await waitFor(() => statSync(location).size > 8_000_000);
    await checkpointer.close();

    expect(connection.prepare('select count(*) from items').pluck().get()).toBe(rows);
    connection.close();
  });

  it('leaves the WAL alone when no checkpointer runs (the backstop is far above one commit)', async () => {
    const location = join(directory, 'hearth.db');
    const connection = writeRows(location);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(statSync(location).size).toBeLessThan(1_000_000);
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(backstopCheckpointPages);
    connection.close();
  });

  it('raises the connection it is given to the backstop, and closes once however often asked', async () => {
    const location = join(directory, 'hearth.db');
    const connection = openSqliteConnection(location);
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    const checkpointer = checkpointInBackground(connection, location, silentLogger);
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(backstopCheckpointPages);
    await Promise.all([checkpointer.close(), checkpointer.close()]);
    await checkpointer.close();
    connection.close();
  });
});
