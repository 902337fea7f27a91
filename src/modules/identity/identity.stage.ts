import { toJson } from '../../platform/db/json.ts';
import {
  groupByWorkspace,
  type LoggedEvent,
  type ProcessingBatch,
  type Stage,
} from '../../platform/processor/stage.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import {
  extractEventIdentifiers,
  isOperation,
  addLookupValues,
  memberIdForEvent,
  readSettingsOperation,
  readSplitOperation,
  withAliasIdentifier,
} from './identity-events.ts';
import {
  addToGraph,
  createIdentityGraph,
  knownSoleOwner,
  ownerOf,
  resolveIdentifiers,
  type IdentityGraph,
} from './identity-graph.ts';
import { applySplit } from './identity-split.ts';
import * as repo from './identity.repo.ts';
import { readIdentitySettings } from './identity-settings.ts';
import type { Identifier, IdentitySettings } from './identity.schema.ts';

interface SegmentContext {
  batch: ProcessingBatch;
  workspaceId: string;
  settings: IdentitySettings;
  phoneRegion: string;
  saveSettings(settings: IdentitySettings): Promise<void>;
}

async function loadGraph(context: SegmentContext, values: Set<string>): Promise<IdentityGraph> {
  const graph = createIdentityGraph();
  const owned = await repo.findIdentifiersByValues(context.batch, context.workspaceId, values);
  const owners = [...new Set(owned.map((row) => row.memberId))];
  for (const row of await repo.findIdentifiersOfMembers(context.batch, owners)) {
    addToGraph(graph, row.memberId, { type: row.type, value: row.value });
  }
  return graph;
}

function finalMember(memberId: string | null, mergedInto: Map<string, string>): string | null {
  let current = memberId;
  while (current !== null && mergedInto.has(current)) current = mergedInto.get(current) as string;
  return current;
}

/** Gives each event its final member, keeping the one it had first where a merge changed it. */
function attributeFinally(batch: ProcessingBatch, events: LoggedEvent[], mergedInto: Map<string, string>): void {
  for (const event of events) {
    const final = finalMember(event.memberId, mergedInto);
    if (event.memberId !== null && final !== event.memberId && !batch.attributedBefore.has(event.id)) {
      batch.attributedBefore.set(event.id, event.memberId);
    }
    event.memberId = final;
  }
}

/** Resolves a run of ordinary events: load the graph once, decide in memory, write once. */
async function resolveSegment(context: SegmentContext, events: LoggedEvent[]): Promise<void> {
  const { batch, workspaceId, settings } = context;
  const extraction = { phoneRegion: context.phoneRegion, settings };
  const extracted = events.map((event) => extractEventIdentifiers(event, extraction));
  const values = new Set<string>();
  events.forEach((event, index) => addLookupValues(event, extracted[index] ?? [], values));
  const graph = await loadGraph(context, values);

  const created: Array<{ id: string; workspaceId: string; createdAt: number; eventId: string }> = [];
  const links: Array<Identifier & { linkedAt: number; eventId: string }> = [];
  const log: repo.IdentityLogRow[] = [];
  const mergedInto = new Map<string, string>();
  const merges: Array<{ survivorId: string; mergedId: string }> = [];

  events.forEach((event, index) => {
    const identifiers = withAliasIdentifier(event, extracted[index] ?? [], graph, settings);
    const known = knownSoleOwner(graph, identifiers, settings.limits);
    if (known !== undefined) {
      event.memberId = known;
      return;
    }
    const resolution = resolveIdentifiers(graph, identifiers, settings, memberIdForEvent(event.id));
    event.memberId = resolution.memberId;
    if (resolution.memberId === null) return;
    const cause = { workspaceId, eventId: event.id, at: event.eventTime };
    const memberId = resolution.memberId;
    if (resolution.created) {
      created.push({ id: memberId, workspaceId, createdAt: event.eventTime, eventId: event.id });
      const detail = toJson({ identifiers: resolution.links });
      log.push(repo.identityLogEntry(cause, 'created', { memberId, otherMemberId: null }, null, detail));
    }
    for (const identifier of resolution.links) {
      // Written out, not spread: a spread clones through a slower path, for every link of the log.
      links.push({ type: identifier.type, value: identifier.value, linkedAt: event.eventTime, eventId: event.id });
      if (!resolution.created) {
        log.push(repo.identityLogEntry(cause, 'linked', { memberId, otherMemberId: null }, identifier, '{}'));
      }
    }
    for (const merge of resolution.merges) {
      mergedInto.set(merge.mergedId, merge.survivorId);
      merges.push(merge);
      batch.merges.push({ ...merge, eventId: event.id });
      const members = { memberId: merge.survivorId, otherMemberId: merge.mergedId };
      log.push(repo.identityLogEntry(cause, 'merged', members, null, '{}'));
    }
    for (const conflict of resolution.conflicts) {
      const members = { memberId: conflict.memberId, otherMemberId: conflict.otherMemberId };
      const detail = toJson({ reason: conflict.reason });
      log.push(repo.identityLogEntry(cause, 'conflict', members, conflict.identifier, detail));
    }
  });

  await repo.insertMembers(batch, created);
  await repo.insertIdentifiers(
    batch,
    workspaceId,
    links.map((link) => ({
      type: link.type,
      value: link.value,
      linkedAt: link.linkedAt,
      eventId: link.eventId,
      memberId: ownerOf(graph, link) as string,
    })),
  );
  for (const merge of merges) {
    await repo.reassignMember(batch, merge.mergedId, finalMember(merge.survivorId, mergedInto) as string, batch.now);
  }
  attributeFinally(batch, events, mergedInto);
  await repo.setEventMembers(
    batch,
    workspaceId,
    events.map((event) => ({ seq: event.seq, memberId: event.memberId })),
  );
  await repo.insertIdentityLog(batch, log);
}

async function applyWorkspaceEvents(context: SegmentContext, events: LoggedEvent[]): Promise<void> {
  let run: LoggedEvent[] = [];
  for (const event of events) {
    if (!isOperation(event)) {
      run.push(event);
      continue;
    }
    if (run.length > 0) await resolveSegment(context, run);
    run = [];
    const settings = readSettingsOperation(event);
    if (settings) {
      context.settings = settings;
      await context.saveSettings(settings);
    }
    const split = readSplitOperation(event);
    if (split)
      await applySplit(context.batch, context.workspaceId, context.settings, context.phoneRegion, event, split);
  }
  if (run.length > 0) await resolveSegment(context, run);
  // A later run (after an operation) may merge the member of an earlier run's event: every event
  // ends the batch with its final member, as the stored attribution does and as one run would.
  const mergedInto = new Map(context.batch.merges.map((merge) => [merge.mergedId, merge.survivorId]));
  if (mergedInto.size === 0) return;
  attributeFinally(context.batch, events, mergedInto);
}

export function createIdentityStage(dependencies: { workspaces: WorkspaceService }): Stage {
  return {
    name: 'identity',
    async apply(batch) {
      const byWorkspace = groupByWorkspace(batch.events);
      for (const [workspaceId, events] of byWorkspace) {
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        // Read fresh in the transaction: settings are derived from the log, and another process may
        // have applied a change since this one cached the workspace.
        const stored = await dependencies.workspaces.identitySettings(workspaceId, batch.transaction);
        await applyWorkspaceEvents(
          {
            batch,
            workspaceId,
            settings: readIdentitySettings(stored),
            phoneRegion: workspace.phoneRegion,
            saveSettings: (settings) =>
              dependencies.workspaces.saveIdentitySettings(workspaceId, settings, batch.transaction),
          },
          events,
        );
      }
    },
    reset: async (transaction) => {
      await repo.resetIdentity(transaction);
      await dependencies.workspaces.resetIdentitySettings(transaction);
    },
  };
}
