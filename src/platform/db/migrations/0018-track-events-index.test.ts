import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { testDialect, useMigratedTestDatabase } from '../../../../test/support/test-database.ts';
import { dayMilliseconds } from '../../clock.ts';
import { boundConditions, eventMatches } from '../../../modules/audience/segment-sql-events.ts';
import { allOf } from '../../../modules/audience/segment-sql-values.ts';

const opened = useMigratedTestDatabase();

/**
 * The plan of the events a segment's event condition reads (orders in the last 30 days), as
 * segment-sql-events.ts writes that condition. PostgreSQL is told not to scan tables, so on its
 * empty test tables too it shows which index the condition can use.
 */
async function planOfEventCondition(): Promise<string> {
  const scope = { dialect: testDialect, workspaceId: 'ws_a', now: Date.parse('2026-12-06T00:00:00Z') };
  const condition = allOf([
    ...eventMatches(scope, 'e', { name: 'Order Completed' }),
    ...boundConditions(sql`e.event_time`, { lower: scope.now - 30 * dayMilliseconds }),
  ]);
  return opened.database.db.transaction().execute(async (transaction) => {
    if (testDialect === 'sqlite') {
      const plan = await sql<{
        detail: string;
      }>`explain query plan select e.seq from events as e where ${condition}`.execute(transaction);
      return plan.rows.map((row) => row.detail).join('\n');
    }
    await sql`set local enable_seqscan = off`.execute(transaction);
    const plan = await sql<{ 'QUERY PLAN': string }>`explain select e.seq from events as e where ${condition}`.execute(
      transaction,
    );
    return plan.rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

describe('migration 0018: the name-and-time index holds tracked events only', () => {
  it('is partial, on type = track', async () => {
    const db = opened.database.db;
    const definition =
      testDialect === 'sqlite'
        ? (await sql<{ sql: string }>`select sql from sqlite_master where name = 'events_name_time_idx'`.execute(db))
            .rows[0]?.sql
        : (
            await sql<{
              indexdef: string;
            }>`select indexdef from pg_indexes where indexname = 'events_name_time_idx'`.execute(db)
          ).rows[0]?.indexdef;
    expect(definition).toMatch(/\(\s*"?workspace_id"?,\s*"?event_name"?,\s*"?event_time"?\s*\)/);
    expect(definition).toMatch(/where\s+\(?"?type"?\s*=\s*'track'/i);
  });

  it("serves segments' event conditions", async () => {
    expect(await planOfEventCondition()).toMatch(
      testDialect === 'sqlite'
        ? /USING (COVERING )?INDEX events_name_time_idx \(workspace_id=\? AND event_name=\? AND event_time>\?\)/
        : /Index (Only )?Scan using events_name_time_idx|Bitmap Index Scan on events_name_time_idx/,
    );
  });
});
