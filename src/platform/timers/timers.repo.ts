import { chunks } from '../db/chunks.ts';
import type { DbExecutor } from '../db/database.ts';

export interface TimerSetting {
  subject: string;
  /** When time alone next changes the subject's state; null when it never will by itself. */
  dueAt: number | null;
}

/** Sets or clears each subject's timer (the last setting of a subject wins); called in the processing transaction. */
export async function scheduleTimers(
  db: DbExecutor,
  workspaceId: string,
  owner: string,
  given: TimerSetting[],
): Promise<void> {
  // A subject set more than once in a batch keeps the last setting.
  const settings = [...new Map(given.map((setting) => [setting.subject, setting])).values()];
  const cleared = settings.filter((setting) => setting.dueAt === null).map((setting) => setting.subject);
  for (const chunk of chunks(cleared)) {
    await db
      .deleteFrom('timers')
      .where('workspace_id', '=', workspaceId)
      .where('owner', '=', owner)
      .where('subject', 'in', chunk)
      .execute();
  }
  const set = settings.filter((setting): setting is { subject: string; dueAt: number } => setting.dueAt !== null);
  for (const chunk of chunks(set)) {
    await db
      .insertInto('timers')
      .values(chunk.map(({ subject, dueAt }) => ({ workspace_id: workspaceId, owner, subject, due_at: dueAt })))
      .onConflict((conflict) =>
        conflict
          .columns(['workspace_id', 'owner', 'subject'])
          .doUpdateSet((update) => ({ due_at: update.ref('excluded.due_at') })),
      )
      .execute();
  }
}

/** The subjects due by `until`, soonest first (ties by subject), so a bounded tick is the same on replay. */
export async function readDueSubjects(
  db: DbExecutor,
  workspaceId: string,
  owner: string,
  until: number,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('timers')
    .select('subject')
    .where('workspace_id', '=', workspaceId)
    .where('owner', '=', owner)
    .where('due_at', '<=', until)
    .orderBy('due_at')
    .orderBy('subject')
    .limit(limit)
    .execute();
  return rows.map((row) => row.subject);
}

/**
 * Workspaces with a timer due by `until` (among the soonest due), and how many timers are due in
 * all. The ticker asks every second: both queries read only the due part of the due_at index.
 */
export async function findDueTimers(db: DbExecutor, until: number): Promise<{ workspaceIds: string[]; due: number }> {
  const counted = await db
    .selectFrom('timers')
    .select((expression) => expression.fn.countAll<number>().as('due'))
    .where('due_at', '<=', until)
    .executeTakeFirst();
  const due = Number(counted?.due ?? 0);
  if (due === 0) return { workspaceIds: [], due };
  const soonest = await db
    .selectFrom('timers')
    .select('workspace_id')
    .where('due_at', '<=', until)
    .orderBy('due_at')
    .limit(1_000)
    .execute();
  return { workspaceIds: [...new Set(soonest.map((row) => row.workspace_id))].sort(), due };
}

export async function clearTimers(db: DbExecutor, owner: string, workspaceId?: string): Promise<void> {
  let query = db.deleteFrom('timers').where('owner', '=', owner);
  if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId);
  await query.execute();
}
