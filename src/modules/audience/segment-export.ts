import type { DbExecutor } from '../../platform/db/database.ts';
import * as repo from './segments.repo.ts';

/** The identifiers an export shows beside each member: what a campaign tool matches people on. */
export const exportedIdentifierTypes = ['user_id', 'email', 'phone'] as const;
export const exportColumns = ['member_id', 'since', ...exportedIdentifierTypes] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(values: readonly string[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

async function identifiersOf(db: DbExecutor, workspaceId: string, memberIds: string[]) {
  const rows = await db
    .selectFrom('identifiers')
    .select(['member_id', 'type', 'value'])
    .where('workspace_id', '=', workspaceId)
    .where('member_id', 'in', memberIds)
    .where('type', 'in', [...exportedIdentifierTypes])
    .orderBy('linked_at')
    .execute();
  const found = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const values = found.get(row.member_id) ?? new Map<string, string>();
    // A member may hold several emails: the first linked is shown.
    if (!values.has(row.type)) values.set(row.type, row.value);
    found.set(row.member_id, values);
  }
  return found;
}

/** A segment's members as CSV lines (header first), a page at a time, in member id order. */
export async function* exportSegmentCsv(
  db: DbExecutor,
  segment: { id: string; workspaceId: string },
  pageSize = 1000,
): AsyncGenerator<string> {
  yield csvLine(exportColumns);
  let after: string | undefined;
  for (;;) {
    const page = await repo.membersPage(db, segment.id, { afterMemberId: after, limit: pageSize });
    if (page.length === 0) return;
    const identifiers = await identifiersOf(
      db,
      segment.workspaceId,
      page.map((row) => row.memberId),
    );
    for (const row of page) {
      const values = identifiers.get(row.memberId);
      const shown = exportedIdentifierTypes.map((type) => values?.get(type) ?? '');
      yield csvLine([row.memberId, new Date(row.since).toISOString(), ...shown]);
    }
    after = page.at(-1)?.memberId;
  }
}
