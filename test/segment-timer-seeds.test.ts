import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { loadMemberFacts } from '../src/modules/audience/segment-facts.repo.ts';
import { birthdayLeaves, seedTimers } from '../src/modules/audience/segment-timer-seeds.ts';
import { nextChangeAt } from '../src/modules/audience/segment-timing.ts';
import { segmentTimerOwner } from '../src/modules/audience/segments.repo.ts';
import { scenarioOf } from './support/segment-arbitraries.ts';
import { seedMembers, type MemberSeed } from './support/segment-seeds.ts';
import { useMigratedTestDatabase } from './support/test-database.ts';

/**
 * A saved segment seeds, in SQL, a timer for every member whose answer time alone will change:
 * never later than the first change the member's own evaluation finds (`nextChangeAt`), or a
 * change would be missed until some event came.
 */

const shared = useMigratedTestDatabase('all');

let workspaces = 0;
const day = 86_400_000;

function nextMidnight(now: number, timeZone: string): number {
  return DateTime.fromMillis(now, { zone: timeZone }).startOf('day').plus({ days: 1 }).toMillis();
}

function named(workspaceId: string, seeds: readonly MemberSeed[]): MemberSeed[] {
  return seeds.map((seed, index) => {
    const id = `${workspaceId}:m${index}`;
    const identifiers = seed.identifiers?.map(({ type }) => ({ type, value: `${type}:${id}` }));
    return { ...seed, id, merged: false, identifiers };
  });
}

describe('timers seeded when a segment is saved', () => {
  it('are due no later than each member’s first time-driven change', { timeout: 120_000 }, async () => {
    const db = shared.database;
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(scenarioOf({ members: 20, definitions: 12 }), async (scenario) => {
        workspaces += 1;
        const workspaceId = `seeds${workspaces}`;
        const members = named(workspaceId, scenario.members);
        await seedMembers(db.db, workspaceId, members);
        const facts = await loadMemberFacts(
          db.db,
          workspaceId,
          members.map((member) => member.id),
        );
        const context = { dialect: db.dialect, workspaceId, now: scenario.now, timeZone: scenario.timeZone };
        for (const definition of scenario.definitions) {
          await db.db.deleteFrom('timers').where('workspace_id', '=', workspaceId).execute();
          await seedTimers(db.db, context, definition);
          const rows = await db.db
            .selectFrom('timers')
            .select(['subject', 'due_at'])
            .where('workspace_id', '=', workspaceId)
            .where('owner', '=', segmentTimerOwner)
            .execute();
          const seeded = new Map(rows.map((row) => [row.subject, Number(row.due_at)]));
          // A birthday further off than the next midnight is seeded by the daily pass the night before.
          const horizon =
            birthdayLeaves(definition).length > 0 ? nextMidnight(scenario.now, scenario.timeZone) + day : Infinity;
          for (const [memberId, memberFacts] of facts) {
            const next = nextChangeAt(definition, memberFacts, context);
            if (next === null || next >= horizon) continue;
            checked += 1;
            const due = seeded.get(memberId);
            const problem = `${JSON.stringify(definition)} ${memberId}: next change ${next}, seeded ${due}`;
            expect(due !== undefined && due <= next, problem).toBe(true);
          }
        }
      }),
      { numRuns: 60 },
    );
    // Enough members with a time-driven change for the property to mean something.
    expect(checked).toBeGreaterThan(200);
  });
});
