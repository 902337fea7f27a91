import type { Clock } from '../../platform/clock.ts';
import { cursorAfter } from '../../platform/page-cursor.ts';
import type { Database } from '../../platform/db/database.ts';
import { HearthError, notFound } from '../../platform/errors.ts';
import { fingerprintOf, refusalForReusedKey } from '../../platform/http/idempotency-key.ts';
import { createId } from '../../platform/ids.ts';
import type { OperationAnswer } from '../../platform/processor/operation-answers.ts';
import { processThrough } from '../../platform/processor/catch-up.ts';
import type { Processor } from '../../platform/processor/processor.ts';
import type { EventLogWriter } from '../ingest/event-log-writer.ts';
import { appendOperation } from '../ingest/operation-events.ts';
import { describeReference, type FoundMember } from './member-references.ts';
import * as repo from './tags.repo.ts';
import {
  tagMembersResultSchema,
  type CreateTagInput,
  type MemberReference,
  type Tag,
  type TagMembersResult,
} from './tags.schema.ts';
import type { SegmentsService } from './segments.service.ts';
import { bandDefinition, type ValueBand } from './value-bands.ts';
import { tagDeletedPayload, tagMembersPayload } from './tags.stage.ts';

export interface TagsService {
  create(workspaceId: string, input: CreateTagInput): Promise<Tag>;
  list(workspaceId: string, family?: string): Promise<Tag[]>;
  get(workspaceId: string, tagId: string): Promise<Tag>;
  remove(workspaceId: string, tagId: string): Promise<void>;
  changeMembers(
    workspaceId: string,
    tagId: string,
    change: { add: MemberReference[]; remove: MemberReference[] },
    idempotencyKey?: string,
  ): Promise<OperationAnswer>;
  members(
    workspaceId: string,
    tagId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{
    members: Array<{ memberId: string; since: string }>;
    nextCursor: string | null;
  }>;
  tagsOf(workspaceId: string, memberId: string): Promise<Array<{ id: string; family: string; name: string }>>;
}

/** What a change found when it was asked for; the log keeps it so a retry answers the same. */
const foundChangeSchema = tagMembersResultSchema.pick({ requested: true, unknown: true });
type FoundChange = Omit<TagMembersResult, 'members'>;

export interface MemberFinder {
  /** Each reference's member (after merges), or why there is none, in order. */
  findAll(workspaceId: string, references: MemberReference[]): Promise<FoundMember[]>;
}

export function createTagsService(dependencies: {
  database: Database;
  clock: Clock;
  writer: EventLogWriter;
  processor: Processor;
  finder: MemberFinder;
  /** Rule tags are carried by the members of a saved segment behind them. */
  segments: Pick<SegmentsService, 'create' | 'remove'>;
}): TagsService {
  const { database, clock } = dependencies;

  async function get(workspaceId: string, tagId: string): Promise<Tag> {
    const [tag] = await repo.listTags(database.db, workspaceId, { id: tagId });
    if (!tag) throw notFound(`no tag ${tagId} in this workspace`);
    return tag;
  }

  async function create(workspaceId: string, input: CreateTagInput): Promise<Tag> {
    const id = `tag_${createId(clock.now())}`;
    const created = await repo.insertDefinition(database.db, {
      id,
      workspaceId,
      family: input.family,
      name: input.name,
      kind: input.kind,
      description: input.description ?? null,
      createdAt: clock.now(),
    });
    if (!created) {
      throw new HearthError('conflict', `the family ${input.family} already has a tag named ${input.name}`, {
        issues: [{ path: 'body.name', message: 'is already used in this family' }],
      });
    }
    if (input.definition || input.band) {
      const name = `Tag ${input.family}/${input.name}`;
      // A band's definition is cut from the population when the segment is saved.
      const definition = input.definition ?? bandDefinition(input.band as ValueBand, []);
      try {
        await dependencies.segments.create(
          workspaceId,
          { name, definition },
          { tagId: id, ...(input.band ? { band: input.band } : {}) },
        );
      } catch (error) {
        await repo.deleteDefinition(database.db, workspaceId, id);
        throw error;
      }
    }
    return get(workspaceId, id);
  }

  /** Appends the operation and waits until it is applied, so the answer reflects it. */
  async function operate(workspaceId: string, messageId: string, eventName: string, payload: Record<string, unknown>) {
    const now = clock.now();
    const stored = await appendOperation(dependencies, { workspaceId, messageId, eventName, payload, now });
    await processThrough(dependencies.processor, stored.seq);
    return stored;
  }

  async function remove(workspaceId: string, tagId: string): Promise<void> {
    const tag = await get(workspaceId, tagId);
    if (tag.segmentId) await dependencies.segments.remove(workspaceId, tag.segmentId);
    await operate(workspaceId, `tag-deleted-${tagId}`, 'Tag Deleted', tagDeletedPayload(tagId));
    await repo.deleteDefinition(database.db, workspaceId, tagId);
  }

  async function resolveAll(workspaceId: string, references: MemberReference[], offset: number) {
    const found: string[] = [];
    const unknown: TagMembersResult['unknown'] = [];
    const results = await dependencies.finder.findAll(workspaceId, references);
    results.forEach((result, index) => {
      if ('memberId' in result) found.push(result.memberId);
      else {
        const reference = references[index] as MemberReference;
        unknown.push({ position: offset + index + 1, reference: describeReference(reference), reason: result.missing });
      }
    });
    return { found, unknown };
  }

  /** A retry answers what the first request found; its member count is the tag's now. */
  async function answerChange(workspaceId: string, tagId: string, found: FoundChange): Promise<OperationAnswer> {
    const members = (await get(workspaceId, tagId)).members;
    return { status: 200, body: { requested: found.requested, members, unknown: found.unknown } };
  }

  async function changeMembers(
    workspaceId: string,
    tagId: string,
    change: { add: MemberReference[]; remove: MemberReference[] },
    idempotencyKey?: string,
  ): Promise<OperationAnswer> {
    const tag = await get(workspaceId, tagId);
    if (tag.kind !== 'manual') {
      throw new HearthError('conflict', `${tag.name} is a ${tag.kind} tag: its members are who match it`, {
        issues: [{ path: 'params.id', message: `is a ${tag.kind} tag; only manual tags take members by hand` }],
      });
    }
    const add = await resolveAll(workspaceId, change.add, 0);
    const remove = await resolveAll(workspaceId, change.remove, change.add.length);
    const found: FoundChange = {
      requested: { add: new Set(add.found).size, remove: new Set(remove.found).size },
      unknown: [...add.unknown, ...remove.unknown],
    };
    // Keyed, the change is logged even when it names nobody, so a reuse of the key is recognised.
    if (add.found.length + remove.found.length === 0 && !idempotencyKey) return answerChange(workspaceId, tagId, found);
    const fingerprint = fingerprintOf({ tagId, change });
    const messageId = `tags-${tagId}-${idempotencyKey ?? createId(clock.now())}`;
    const payload = { ...tagMembersPayload(tagId, add.found, remove.found), fingerprint, found };
    const stored = await operate(workspaceId, messageId, 'Tag Members Changed', payload);
    const refused = refusalForReusedKey(stored, fingerprint);
    if (refused) return refused;
    return answerChange(workspaceId, tagId, foundChangeSchema.parse(stored.payload.found));
  }

  async function members(workspaceId: string, tagId: string, page: { limit: number; cursor?: string | undefined }) {
    await get(workspaceId, tagId);
    const rows = await repo.membersOfTag(database.db, workspaceId, tagId, {
      afterMemberId: page.cursor,
      limit: page.limit + 1,
    });
    const shown = rows.slice(0, page.limit);
    return {
      members: shown.map((row) => ({ memberId: row.memberId, since: new Date(row.since).toISOString() })),
      nextCursor: cursorAfter(shown.at(-1)?.memberId, rows.length > page.limit),
    };
  }

  return {
    create,
    list: (workspaceId, family) => repo.listTags(database.db, workspaceId, { family }),
    get,
    remove,
    changeMembers,
    members,
    tagsOf: (workspaceId, memberId) => repo.tagsOfMember(database.db, workspaceId, memberId),
  };
}
