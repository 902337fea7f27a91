import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { testDialect, useMigratedTestDatabase } from '../../../../test/support/test-database.ts';

const opened = useMigratedTestDatabase();

describe('migration 0017: member tags read by member through an index that covers them', () => {
  it('indexes (workspace_id, member_id, tag_id)', async () => {
    const db = opened.database.db;
    const columns =
      testDialect === 'sqlite'
        ? (
            await sql<{ name: string }>`select name from pragma_index_info('member_tags_member_idx')`.execute(db)
          ).rows.map((row) => row.name)
        : (
            await sql<{
              indexdef: string;
            }>`select indexdef from pg_indexes where indexname = 'member_tags_member_idx'`.execute(db)
          ).rows.map((row) => row.indexdef.replace(/.*\((.*)\)/, '$1'));
    expect(columns.join(', ')).toBe('workspace_id, member_id, tag_id');
  });

  it.runIf(testDialect === 'sqlite')("is what SQLite's planner uses to read members' tags", async () => {
    const plan = await sql<{ detail: string }>`explain query plan
      select member_id, tag_id from member_tags where workspace_id = ${'ws_a'} and member_id in (${'m1'}, ${'m2'})`.execute(
      opened.database.db,
    );
    expect(plan.rows.map((row) => row.detail).join('\n')).toContain(
      'USING COVERING INDEX member_tags_member_idx (workspace_id=? AND member_id=?)',
    );
  });
});
