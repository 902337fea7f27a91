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

export type FoundMember = { memberId: string } | { missing: string };

/**
 * Finds members through the identity module: ids one by one, identifiers by type in bulk (an
 * uploaded list of 100,000 emails is a few queries). Each reference gets its member or why not.
 */
export function createMemberFinder(identity: {
  resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  lookupMany(
    workspaceId: string,
    type: string,
    values: string[],
  ): Promise<Map<string, { memberId: string } | { invalid: string }>>;
}) {
  async function findId(workspaceId: string, memberId: string): Promise<FoundMember> {
    try {
      return { memberId: await identity.resolveMemberId(workspaceId, memberId) };
    } catch (error) {
      if (error instanceof HearthError && error.code === 'not_found') return { missing: 'no such member' };
      throw error;
    }
  }

  async function findByType(workspaceId: string, type: string, values: string[]) {
    try {
      return await identity.lookupMany(workspaceId, type, values);
    } catch (error) {
      if (error instanceof HearthError && error.code === 'invalid_request') {
        throw invalidRequest('body', `identifier type ${type}: ${error.message}`);
      }
      throw error;
    }
  }

  return {
    async findAll(workspaceId: string, references: MemberReference[]): Promise<FoundMember[]> {
      const byType = new Map<string, string[]>();
      for (const reference of references) {
        if (typeof reference !== 'string')
          byType.set(reference.type, [...(byType.get(reference.type) ?? []), reference.value]);
      }
      const found = new Map<string, Map<string, { memberId: string } | { invalid: string }>>();
      for (const [type, values] of byType) found.set(type, await findByType(workspaceId, type, values));
      const results: FoundMember[] = [];
      for (const reference of references) {
        if (typeof reference === 'string') {
          results.push(await findId(workspaceId, reference));
          continue;
        }
        const match = found.get(reference.type)?.get(reference.value);
        if (!match) results.push({ missing: 'no member has it' });
        else results.push('memberId' in match ? match : { missing: match.invalid });
      }
      return results;
    },
  };
}
