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
import { appendOperation, findOperation, type StoredOperation } from '../ingest/operation-events.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import type { SegmentDefinition } from './segment-definition.schema.ts';
import { countMatchingMembers, selectMatchingMembers, type SqlContext } from './segment-sql.ts';
import { scoreRfmToday, usesRfm } from './segment-rfm.ts';
import * as repo from './segments.repo.ts';
import * as tagsRepo from './tags.repo.ts';
import { namedThings, type NamedThing } from './segment-references.ts';
import type { StoresService } from '../stores/stores.service.ts';
import type { Preview, Segment } from './segments.schema.ts';
import type { PreviewIndex } from './preview-index.ts';
import type { ValueBand } from './value-bands.ts';
import { segmentDeletedPayload, segmentSavedPayload } from './segments.stage.ts';

export interface SegmentInput {
  name: string;
  description?: string | null | undefined;
  definition: SegmentDefinition;
}

export interface SegmentsService {
  preview(workspaceId: string, definition: SegmentDefinition, sample: number): Promise<Preview>;
  create(workspaceId: string, input: SegmentInput, options?: { tagId?: string; band?: ValueBand }): Promise<Segment>;
  /** A segment saved by a request: a retry with its Idempotency-Key gets the segment the first one saved. */
  createOnce(workspaceId: string, input: SegmentInput, key: string | undefined): Promise<OperationAnswer>;
  update(workspaceId: string, segmentId: string, change: Partial<SegmentInput>): Promise<Segment>;
  remove(workspaceId: string, segmentId: string): Promise<void>;
  list(workspaceId: string): Promise<Segment[]>;
  get(workspaceId: string, segmentId: string): Promise<Segment>;
  members(
    workspaceId: string,
    segmentId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ members: Array<{ memberId: string; since: string }>; nextCursor: string | null }>;
  /** Every member of the segment now (a coupon issue to it), in member id order; undefined when there is no such segment. */
  allMembers(workspaceId: string, segmentId: string): Promise<string[] | undefined>;
  /** The segments a member is in now. */
  ofMember(workspaceId: string, memberId: string): Promise<Array<{ id: string; name: string; since: string }>>;
  sizes(
    workspaceId: string,
    segmentId: string,
    range: { from?: string | undefined; to?: string | undefined },
  ): Promise<Array<{ day: string; size: number }>>;
}

function present(segment: repo.StoredSegment): Segment {
  return {
    id: segment.id,
    name: segment.name,
    description: segment.description,
    definition: segment.definition,
    tagId: segment.tagId,
    size: segment.size,
    createdAt: new Date(segment.createdAt).toISOString(),
    updatedAt: new Date(segment.updatedAt).toISOString(),
  };
}

function nameTaken(name: string): HearthError {
  return new HearthError('conflict', `there is already a segment named ${name}`, {
    issues: [{ path: 'body.name', message: 'is already used by another segment' }],
  });
}

export function createSegmentsService(dependencies: {
  database: Database;
  clock: Clock;
  writer: EventLogWriter;
  processor: Processor;
  workspaces: WorkspaceService;
  /** Counts from memory once built; SQL answers without it, or until it can. */
  previewIndex?: PreviewIndex;
  /** A definition naming a store is checked against the stores the workspace has. */
  stores: Pick<StoresService, 'unknownStores'>;
}): SegmentsService {
  const { database, clock } = dependencies;

  async function stored(workspaceId: string, segmentId: string): Promise<repo.StoredSegment> {
    const [segment] = await repo.readSegments(database.db, workspaceId, { id: segmentId });
    if (!segment) throw notFound(`no segment ${segmentId} in this workspace`);
    return segment;
  }

  /** A definition may name only tags and stores the workspace has now: a 400 points at each other one. */
  async function checkNamedThings(workspaceId: string, definition: SegmentDefinition): Promise<void> {
    const named = namedThings(definition);
    const idsOf = (kind: NamedThing['kind']) => [
      ...new Set(named.filter((thing) => thing.kind === kind).map((thing) => thing.id)),
    ];
    const [storeIds, tagIds] = [idsOf('store'), idsOf('tag')];
    const tags = await tagsRepo.existingTagIds(database.db, workspaceId, tagIds);
    const stores = new Set(storeIds.length > 0 ? await dependencies.stores.unknownStores(workspaceId, storeIds) : []);
    const issues = named
      .filter((thing) => (thing.kind === 'tag' ? !tags.has(thing.id) : stores.has(thing.id)))
      .map((thing) => ({
        path: ['body', 'definition', ...thing.path].join('.'),
        message: `no ${thing.kind} ${thing.id} in this workspace`,
      }));
    const [first] = issues;
    if (first) throw new HearthError('invalid_request', `${first.path}: ${first.message}`, { issues });
  }

  async function checkName(workspaceId: string, name: string, segmentId: string): Promise<void> {
    const [sameName] = await repo.readSegments(database.db, workspaceId, { name });
    if (sameName && sameName.id !== segmentId) throw nameTaken(name);
  }

  /** Appends the operation and waits until it is applied, so the answer reflects it. */
  async function operate(workspaceId: string, messageId: string, eventName: string, payload: Record<string, unknown>) {
    const now = clock.now();
    const operation = await appendOperation(dependencies, { workspaceId, messageId, eventName, payload, now });
    await processThrough(dependencies.processor, operation.seq);
    return operation;
  }

  async function save(
    workspaceId: string,
    segment: Omit<repo.StoredSegment, 'size' | 'workspaceId' | 'updatedAt'>,
    messageId: string,
    fingerprint?: string,
  ): Promise<StoredOperation> {
    await checkName(workspaceId, segment.name, segment.id);
    const payload = { ...segmentSavedPayload(segment), ...(fingerprint ? { fingerprint } : {}) };
    return operate(workspaceId, messageId, 'Segment Saved', payload);
  }

  async function presentSaved(workspaceId: string, operation: StoredOperation, name: string): Promise<Segment> {
    const saved = await savedBy(workspaceId, operation);
    if (!saved || saved.name !== name) throw nameTaken(name);
    return present(saved);
  }

  /** The segment an operation saved (for a retry with the same key, the first request's). */
  async function savedBy(workspaceId: string, operation: StoredOperation): Promise<repo.StoredSegment | undefined> {
    const savedId = (operation.payload.segment as { id?: unknown } | undefined)?.id;
    const [saved] = await repo.readSegments(database.db, workspaceId, { id: String(savedId) });
    return saved;
  }

  function newSegment(input: SegmentInput, options: { tagId?: string; band?: ValueBand }) {
    const now = clock.now();
    return {
      id: `seg_${createId(now)}`,
      name: input.name,
      description: input.description ?? null,
      definition: input.definition,
      tagId: options.tagId ?? null,
      band: options.band ?? null,
      createdAt: now,
    };
  }

  /** A retry answers the segment the first request saved, as it is now. */
  async function savedBefore(workspaceId: string, earlier: StoredOperation, fingerprint: string) {
    const refused = refusalForReusedKey(earlier, fingerprint);
    if (refused) return refused;
    const saved = await savedBy(workspaceId, earlier);
    if (!saved) throw notFound('the segment saved with this Idempotency-Key has since been deleted');
    return { status: 201, body: present(saved) };
  }

  async function createOnce(workspaceId: string, input: SegmentInput, key: string | undefined) {
    const segment = newSegment(input, {});
    const messageId = `segment-create-${key ?? segment.id}`;
    const fingerprint = fingerprintOf(input);
    const earlier = key ? await findOperation(database, workspaceId, messageId) : undefined;
    if (earlier) return savedBefore(workspaceId, earlier, fingerprint);
    await checkNamedThings(workspaceId, input.definition);
    const operation = await save(workspaceId, segment, messageId, fingerprint);
    // Two requests with one key at once: the second's append finds the first one's operation.
    const refused = refusalForReusedKey(operation, fingerprint);
    if (refused) return refused;
    return { status: 201, body: await presentSaved(workspaceId, operation, input.name) };
  }

  async function workspaceOf(workspaceId: string) {
    const workspace = await dependencies.workspaces.get(workspaceId);
    if (!workspace) throw notFound(`no workspace ${workspaceId}`);
    return workspace;
  }

  async function workspaceTimeZone(workspaceId: string): Promise<string> {
    return (await workspaceOf(workspaceId)).timezone;
  }

  async function previewInDatabase(definition: SegmentDefinition, context: SqlContext, sample: number) {
    const [count, rows] = await Promise.all([
      countMatchingMembers(database.db, definition, context),
      sample === 0 ? [] : selectMatchingMembers(database.db, definition, context).limit(sample).execute(),
    ]);
    return { count, sample: rows.map((row) => ({ memberId: row.member_id })), countedBy: 'database' as const };
  }

  return {
    async preview(workspaceId, definition, sample) {
      await checkNamedThings(workspaceId, definition);
      const context = { workspaceId, now: clock.now(), timeZone: await workspaceTimeZone(workspaceId) };
      if (usesRfm(definition)) {
        // Scored now as the day's RFM analysis scores them, not as of the last daily scoring (which
        // runs only while a saved segment reads RFM).
        const workspace = await workspaceOf(workspaceId);
        const rfmSegments = await scoreRfmToday(database.db, workspace, context.now);
        return previewInDatabase(definition, { ...context, dialect: database.dialect, rfmSegments }, sample);
      }
      const indexed = await dependencies.previewIndex?.preview(workspaceId, definition, context, sample);
      if (indexed) {
        const members = indexed.sample.map((memberId) => ({ memberId }));
        return { count: indexed.count, sample: members, countedBy: 'index' };
      }
      return previewInDatabase(definition, { ...context, dialect: database.dialect }, sample);
    },
    async create(workspaceId, input, options = {}) {
      await checkNamedThings(workspaceId, input.definition);
      const segment = newSegment(input, options);
      return presentSaved(workspaceId, await save(workspaceId, segment, `segment-create-${segment.id}`), input.name);
    },
    createOnce,
    async update(workspaceId, segmentId, change) {
      const current = await stored(workspaceId, segmentId);
      if (current.band && change.definition) {
        throw new HearthError('conflict', `${current.name} is a value band: its definition follows the band`, {
          issues: [{ path: 'body.definition', message: 'cannot be set for a value-band segment' }],
        });
      }
      if (change.definition) await checkNamedThings(workspaceId, change.definition);
      const segment = {
        id: current.id,
        name: change.name ?? current.name,
        description: change.description === undefined ? current.description : change.description,
        definition: change.definition ?? current.definition,
        tagId: current.tagId,
        band: current.band,
        createdAt: current.createdAt,
      };
      const messageId = `segment-update-${segmentId}-${createId(clock.now())}`;
      return presentSaved(workspaceId, await save(workspaceId, segment, messageId), segment.name);
    },
    async remove(workspaceId, segmentId) {
      await stored(workspaceId, segmentId);
      await operate(workspaceId, `segment-delete-${segmentId}`, 'Segment Deleted', segmentDeletedPayload(segmentId));
    },
    list: async (workspaceId) => (await repo.readSegments(database.db, workspaceId)).map(present),
    get: async (workspaceId, segmentId) => present(await stored(workspaceId, segmentId)),
    async members(workspaceId, segmentId, page) {
      await stored(workspaceId, segmentId);
      const rows = await repo.membersPage(database.db, segmentId, {
        afterMemberId: page.cursor,
        limit: page.limit + 1,
      });
      const shown = rows.slice(0, page.limit);
      return {
        members: shown.map((row) => ({ memberId: row.memberId, since: new Date(row.since).toISOString() })),
        nextCursor: cursorAfter(shown.at(-1)?.memberId, rows.length > page.limit),
      };
    },
    async allMembers(workspaceId, segmentId) {
      const [segment] = await repo.readSegments(database.db, workspaceId, { id: segmentId });
      if (!segment) return undefined;
      const members: string[] = [];
      for (let page = await repo.membersPage(database.db, segmentId, { limit: 10_000 }); page.length > 0;) {
        members.push(...page.map((row) => row.memberId));
        page = await repo.membersPage(database.db, segmentId, { afterMemberId: members.at(-1), limit: 10_000 });
      }
      return members;
    },
    ofMember: (workspaceId, memberId) => repo.segmentsOfMember(database.db, workspaceId, memberId),
    async sizes(workspaceId, segmentId, range) {
      await stored(workspaceId, segmentId);
      return repo.readSizes(database.db, segmentId, {
        ...(range.from !== undefined ? { from: range.from } : {}),
        ...(range.to !== undefined ? { to: range.to } : {}),
      });
    },
  };
}
