import { HearthError, invalidRequest } from '../../platform/errors.ts';
import type { MemberReference } from './tags.schema.ts';

/** A reference as the caller wrote it, for reporting the ones that match no member. */
export function describeReference(reference: MemberReference): string {
  return typeof reference === 'string' ? reference : `${reference.type}:${reference.value}`;
}

/**
 * An uploaded list of members: one column, whose header names the identifier type (`email`,
 * `phone`, `user_id`, … or `member_id`). Blank lines are skipped; quotes around a value are dropped.
 */
export function parseMemberCsv(text: string): MemberReference[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim().replace(/^"(.*)"$/, '$1'));
  const header = lines.shift()?.toLowerCase();
  if (!header) throw invalidRequest('body', 'the CSV is empty; the first line names the identifier type, e.g. email');
  if (header.includes(',')) {
    throw invalidRequest('body', 'the CSV must have one column: its header names the identifier type, e.g. email');
  }
  const values = lines.filter((line) => line !== '');
  return header === 'member_id' ? values : values.map((value) => ({ type: header, value }));
}

/** Finds members through the identity module's lookups; an unknown member is undefined, not an error. */
export function createMemberFinder(identity: {
  resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  lookup(workspaceId: string, type: string, value: string): Promise<string>;
}) {
  return {
    async find(workspaceId: string, reference: MemberReference): Promise<string | undefined> {
      try {
        return typeof reference === 'string'
          ? await identity.resolveMemberId(workspaceId, reference)
          : await identity.lookup(workspaceId, reference.type, reference.value);
      } catch (error) {
        if (error instanceof HearthError && error.code === 'not_found') return undefined;
        throw error;
      }
    },
  };
}
