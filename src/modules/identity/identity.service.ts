import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { HearthError, notFound } from '../../platform/errors.ts';
import { createId } from '../../platform/ids.ts';
import { processThrough } from '../../platform/processor/catch-up.ts';
import type { Processor } from '../../platform/processor/processor.ts';
import { appendOperation } from '../ingest/operation-events.ts';
import type { EventLogWriter } from '../ingest/event-log-writer.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { normalizeIdentifier, normalizeIdentifierType } from './identifiers.ts';
import type { SplitOperation } from './identity-events.ts';
import { readIdentitySettings } from './identity-settings.ts';
import {
  identitySettingsBodySchema,
  type Identifier,
  type IdentityLogEntry,
  type IdentitySettings,
} from './identity.schema.ts';
import * as repo from './identity.repo.ts';

export interface IdentityService {
  /** The surviving member for an id in this workspace (a merged-away id answers with its survivor). */
  resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  /**
   * The member an operation appended to the log names: 404 unless the id is a member of the
   * workspace, else the survivor as last seen. The processor resolves merges again in log order,
   * so a merge since does not matter, and a member once created stays for every later position of
   * the log (ids come from the event that created the member; a merged member keeps its row): a
   * member seen once is not read again.
   */
  memberForOperation(workspaceId: string, memberId: string): Promise<string>;
  lookup(workspaceId: string, type: string, value: string): Promise<string>;
  /**
   * Many values of one identifier type at once (an uploaded list): each value as given → its
   * member, or the reason it is not a valid value; values no member holds are left out.
   */
  lookupMany(
    workspaceId: string,
    type: string,
    values: string[],
  ): Promise<Map<string, { memberId: string } | { invalid: string }>>;
  identifiersOf(memberId: string): Promise<Identifier[]>;
  history(workspaceId: string, memberId: string): Promise<IdentityLogEntry[]>;
  split(
    workspaceId: string,
    memberId: string,
    identifier: Identifier,
    block: boolean,
  ): Promise<{ memberId: string; detachedMemberId: string; members: string[] }>;
  getSettings(workspaceId: string): Promise<IdentitySettings>;
  saveSettings(workspaceId: string, input: unknown): Promise<IdentitySettings>;
}

export function createIdentityService(dependencies: {
  database: Database;
  clock: Clock;
  workspaces: WorkspaceService;
  writer: EventLogWriter;
  processor: Processor;
}): IdentityService {
  const { database, clock, workspaces, writer, processor } = dependencies;
  const db = database.db;

  async function workspaceOf(workspaceId: string) {
    const workspace = await workspaces.get(workspaceId);
    if (!workspace) throw notFound('workspace not found');
    return workspace;
  }

  async function resolveMemberId(workspaceId: string, memberId: string): Promise<string> {
    const found = await repo.findMergedInto(db, memberId);
    if (!found || found.workspaceId !== workspaceId) throw notFound(`member ${memberId} not found`);
    return found.mergedInto ?? memberId;
  }

  const seenMembers = createSeenMembers();

  async function memberForOperation(workspaceId: string, memberId: string): Promise<string> {
    const seen = seenMembers.get(memberId);
    if (seen?.workspaceId === workspaceId) return seen.survivor;
    const survivor = await resolveMemberId(workspaceId, memberId);
    seenMembers.remember(memberId, { workspaceId, survivor });
    return survivor;
  }

  async function lookup(workspaceId: string, rawType: string, rawValue: string): Promise<string> {
    const workspace = await workspaceOf(workspaceId);
    const type = normalizeIdentifierType(rawType);
    const { value, reason } = normalizeIdentifier(type, rawValue, workspace.phoneRegion);
    if (value === undefined)
      throw new HearthError('invalid_request', `value: ${reason}`, {
        issues: [{ path: 'query.value', message: reason ?? 'invalid' }],
      });
    const owner = await repo.findOwner(db, workspaceId, { type, value });
    if (!owner) throw notFound(`no member has ${type} ${value}`);
    return owner;
  }

  async function lookupMany(workspaceId: string, rawType: string, values: string[]) {
    const workspace = await workspaceOf(workspaceId);
    const type = normalizeIdentifierType(rawType);
    const found = new Map<string, { memberId: string } | { invalid: string }>();
    const normalized = new Map<string, string[]>();
    for (const raw of values) {
      const { value, reason } = normalizeIdentifier(type, raw, workspace.phoneRegion);
      if (value === undefined) found.set(raw, { invalid: reason ?? 'invalid' });
      else normalized.set(value, [...(normalized.get(value) ?? []), raw]);
    }
    const owners = await repo.findOwners(db, workspaceId, type, [...normalized.keys()]);
    for (const [value, memberId] of owners) {
      for (const raw of normalized.get(value) ?? []) found.set(raw, { memberId });
    }
    return found;
  }

  async function history(workspaceId: string, memberId: string): Promise<IdentityLogEntry[]> {
    const survivor = await resolveMemberId(workspaceId, memberId);
    const ids = [survivor, ...(await repo.findMergedMemberIds(db, survivor))];
    const rows = await repo.readIdentityLog(db, ids);
    return rows.map((row) => ({
      kind: row.kind,
      memberId: row.member_id,
      otherMemberId: row.other_member_id,
      identifier:
        row.identifier_type !== null ? { type: row.identifier_type, value: row.identifier_value ?? '' } : null,
      eventId: row.event_id,
      at: new Date(row.at).toISOString(),
      detail: row.detail,
    }));
  }

  async function split(workspaceId: string, memberId: string, identifier: Identifier, block: boolean) {
    const survivor = await resolveMemberId(workspaceId, memberId);
    const owner = await repo.findOwner(db, workspaceId, identifier);
    if (owner !== survivor) throw notFound(`member ${survivor} has no ${identifier.type} ${identifier.value}`);
    if (block) {
      const settings = await getSettings(workspaceId);
      if (!settings.blockedValues.includes(identifier.value)) {
        await saveSettings(workspaceId, { ...settings, blockedValues: [...settings.blockedValues, identifier.value] });
      }
    }
    const now = clock.now();
    const messageId = `hearth-split-${createId(now)}`;
    const payload: Record<string, unknown> & SplitOperation = {
      operation: 'split',
      memberId: survivor,
      identifier,
      block,
      messageId,
      // History is rewritten here: the processor ends the batch at this event (see processor.ts).
      endsBatch: true,
    };
    const row = await appendOperation(
      { database, writer },
      { workspaceId, messageId, eventName: 'Identifier Removed', payload, now },
    );
    await processThrough(processor, row.seq);
    const entry = (await repo.readIdentityLog(db, [survivor]))
      .filter((log) => log.event_id === row.id && log.kind === 'split')
      .pop();
    const members = (entry?.detail.members as string[] | undefined) ?? [];
    if (members.length < 2)
      throw new HearthError('conflict', String(entry?.detail.skipped ?? 'the identifier could not be split off'));
    return { memberId: survivor, detachedMemberId: members[0] as string, members };
  }

  async function getSettings(workspaceId: string): Promise<IdentitySettings> {
    await workspaceOf(workspaceId);
    return readIdentitySettings(await workspaces.identitySettings(workspaceId));
  }

  /** The change goes through the log: events before it keep the old settings, also on replay. */
  async function saveSettings(workspaceId: string, input: unknown): Promise<IdentitySettings> {
    const settings = identitySettingsBodySchema.parse(input);
    const now = clock.now();
    const stored = await appendOperation(
      { database, writer },
      {
        workspaceId,
        messageId: `hearth-identity-settings-${createId(now)}`,
        eventName: 'Identity Settings Changed',
        payload: { operation: 'identity-settings', settings },
        now,
      },
    );
    await processThrough(processor, stored.seq);
    return settings;
  }

  return {
    resolveMemberId,
    memberForOperation,
    lookupMany,
    lookup,
    identifiersOf: async (memberId) =>
      (await repo.findIdentifiersOfMembers({ transaction: db }, [memberId])).map(({ type, value }) => ({
        type,
        value,
      })),
    history,
    split,
    getSettings,
    saveSettings,
  };
}

/** Members confirmed to exist, with their survivor then; bounded, the oldest forgotten first. */
function createSeenMembers(capacity = 100_000) {
  const seen = new Map<string, { workspaceId: string; survivor: string }>();
  return {
    get: (memberId: string) => seen.get(memberId),
    remember(memberId: string, member: { workspaceId: string; survivor: string }) {
      if (seen.size >= capacity) seen.delete(seen.keys().next().value as string);
      seen.set(memberId, member);
    },
  };
}
