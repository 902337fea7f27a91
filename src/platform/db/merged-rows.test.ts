import { describe, expect, it } from 'vitest';
import { useMigratedTestDatabase } from '../../../test/support/test-database.ts';
import { reassignMergedRows } from './merged-rows.ts';

describe('reassigning a batch of merges', () => {
  const context = useMigratedTestDatabase();

  async function bindHomeStore(memberId: string) {
    await context.database.db
      .insertInto('member_home_stores')
      .values({ member_id: memberId, workspace_id: 'ws_1', store: 'SH-001', bound_at: 0, source: 'scan', guide: null })
      .execute();
  }

  it('reassigns only merged members that hold rows, counting rows an earlier merge of the batch moved to them', async () => {
    await bindHomeStore('mem_a');
    await bindHomeStore('mem_x');
    const calls: string[] = [];
    await reassignMergedRows(
      context.database.db,
      [
        { mergedId: 'mem_a', survivorId: 'mem_b' },
        { mergedId: 'mem_empty', survivorId: 'mem_c' },
        { mergedId: 'mem_b', survivorId: 'mem_d' },
        { mergedId: 'mem_x', survivorId: 'mem_y' },
      ],
      { tables: ['coupons', 'member_home_stores'] },
      async (merged, survivor) => {
        calls.push(`${merged}→${survivor}`);
      },
    );
    // mem_b held nothing of its own, but held mem_a's rows by the time it was merged into mem_d.
    expect(calls).toEqual(['mem_a→mem_b', 'mem_b→mem_d', 'mem_x→mem_y']);
  });
});
