import { describe, expect, it } from 'vitest';
import { useMigratedTestDatabase } from '../../../test/support/test-database.ts';
import { withWriteLock, type Database } from '../../platform/db/database.ts';
import { loyaltyProgramSchema } from './loyalty-program.schema.ts';
import { insertProgramVersion } from './loyalty.repo.ts';
import { createProgramVersionsCache, type ProgramVersionsCache } from './program-versions-cache.ts';

const workspaceId = 'ws_cache';

function readIn(database: Database, cache: ProgramVersionsCache, wanted: Array<number | null>) {
  return withWriteLock(database, 'test', (transaction) => cache.read(transaction, workspaceId, wanted));
}

describe('program versions cache', () => {
  const context = useMigratedTestDatabase();

  it('reads again only when a wanted version is not held, and hands out documents no batch can change', async () => {
    const { database } = context;
    const cache = createProgramVersionsCache();
    await insertProgramVersion(database.db, workspaceId, loyaltyProgramSchema.parse({ name: 'First' }), 1_000);
    const first = await readIn(database, cache, [1]);
    expect([...first.keys()]).toEqual([1]);

    await insertProgramVersion(database.db, workspaceId, loyaltyProgramSchema.parse({ name: 'Second' }), 2_000);
    // Version 2 is saved but not yet wanted (not activated): the held map is still the answer.
    expect(await readIn(database, cache, [1, null])).toBe(first);
    const second = await readIn(database, cache, [1, 2]);
    expect([...second.keys()]).toEqual([1, 2]);
    expect(second.get(2)?.document.name).toBe('Second');

    const document = second.get(1)?.document;
    expect(Object.isFrozen(document)).toBe(true);
    expect(Object.isFrozen(document?.earning)).toBe(true);
    expect(() => document?.earning.push(document.earning[0] as never)).toThrow(TypeError);
  });
});
