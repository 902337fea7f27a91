import { fingerprintOf, refusalForReusedKey } from '../../platform/http/idempotency-key.ts';
import { cursorAfter } from '../../platform/page-cursor.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { HearthError, notFound, type Issue } from '../../platform/errors.ts';
import { createId } from '../../platform/ids.ts';
import { processThrough } from '../../platform/processor/catch-up.ts';
import type { OperationAnswer } from '../../platform/processor/operation-answers.ts';
import type { Processor } from '../../platform/processor/processor.ts';
import type { EventLogWriter } from '../ingest/event-log-writer.ts';
import { appendOperation } from '../ingest/operation-events.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { loyaltyProgramSchema, type LoyaltyProgram } from './loyalty-program.schema.ts';
import { computeLiability, type Liability } from './liability.ts';
import type { EarningMember } from './earning-rules.ts';
import { emptyMemberPoints } from './loyalty-fold.ts';
import { memberFacts } from './tier-fold.ts';
import { readTierChanges } from './tier-changes.repo.ts';
import { viewTier, type TierView } from './tier-view.ts';
import { explainPoints, type ExplanationLine } from './points-explanation.ts';
import * as repo from './loyalty.repo.ts';
import type { PointsOperation, PointsOperationPayload } from './points-operations.ts';
import * as points from './points.repo.ts';
import { quotePoints, viewPoints, type PointsSummary } from './points-view.ts';

export type { OperationAnswer } from '../../platform/processor/operation-answers.ts';

export interface SavedProgram {
  version: number;
  createdAt: number;
  active: boolean;
  program: LoyaltyProgram;
}

export interface PointsExplanation {
  memberId: string;
  summary: PointsSummary;
  lines: ExplanationLine[];
  total: number;
  /** Present when the program has tiers. */
  tier: TierView | null;
}

export interface LoyaltyService {
  saveProgram(workspaceId: string, input: unknown): Promise<SavedProgram>;
  activeProgram(workspaceId: string): Promise<SavedProgram>;
  programVersions(workspaceId: string): Promise<SavedProgram[]>;
  summary(workspaceId: string, memberId: string): Promise<PointsSummary & { memberId: string }>;
  quote(workspaceId: string, memberId: string, orderAmount: number): Promise<ReturnType<typeof quotePoints>>;
  liability(workspaceId: string): Promise<Liability>;
  explain(workspaceId: string, memberId: string): Promise<PointsExplanation>;
  tierChanges(
    workspaceId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ changes: Awaited<ReturnType<typeof readTierChanges>>; nextCursor: string | null }>;
  tier(workspaceId: string, memberId: string): Promise<TierView & { memberId: string }>;
  history(
    workspaceId: string,
    memberId: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{ memberId: string; entries: points.EntryRow[]; nextCursor: string | null }>;
  /** Adjust, redeem, reserve, commit or release, decided in log order; a retry returns the first answer. */
  operate(
    workspaceId: string,
    memberId: string,
    key: string | undefined,
    request: PointsOperation,
  ): Promise<OperationAnswer>;
}

export function createLoyaltyService(dependencies: {
  database: Database;
  clock: Clock;
  writer: EventLogWriter;
  processor: Processor;
  workspaces: WorkspaceService;
  resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  /** 404 unless a member; the id to log (see IdentityService.memberForOperation). */
  memberForOperation(workspaceId: string, memberId: string): Promise<string>;
  /** The member as profiles holds it (traits, features), for the value score. */
  memberView(memberId: string): Promise<EarningMember>;
}): LoyaltyService {
  const { database, clock, processor } = dependencies;
  const db = database.db;

  async function versionsOf(workspaceId: string): Promise<SavedProgram[]> {
    const active = await repo.readActiveVersion(db, workspaceId);
    return (await repo.readProgramVersions(db, workspaceId)).map((saved) => ({
      version: saved.version,
      createdAt: saved.createdAt,
      active: saved.version === active,
      program: saved.document,
    }));
  }

  async function activeDocument(workspaceId: string): Promise<LoyaltyProgram | null> {
    return (await versionsOf(workspaceId)).find((saved) => saved.active)?.program ?? null;
  }

  async function saveProgram(workspaceId: string, input: unknown): Promise<SavedProgram> {
    const parsed = loyaltyProgramSchema.safeParse(input);
    if (!parsed.success) {
      const issues: Issue[] = parsed.error.issues.map((issue) => ({
        path: ['body', ...issue.path.map(String)].join('.'),
        message: issue.message,
      }));
      const first = issues[0];
      throw new HearthError('invalid_request', first ? `${first.path}: ${first.message}` : 'invalid program', {
        issues,
      });
    }
    const now = clock.now();
    const version = await repo.insertProgramVersion(db, workspaceId, parsed.data, now);
    // The switch goes through the log, so events before it keep the old rules, also on replay.
    const stored = await appendOperation(dependencies, {
      workspaceId,
      messageId: `loyalty-program-${workspaceId}-${version}`,
      eventName: 'Loyalty Program Changed',
      payload: { operation: 'loyalty-program', version },
      now,
    });
    await processThrough(processor, stored.seq);
    return { version, createdAt: now, active: true, program: parsed.data };
  }

  async function activeProgram(workspaceId: string): Promise<SavedProgram> {
    const active = (await versionsOf(workspaceId)).find((saved) => saved.active);
    if (!active) throw notFound('this workspace has no loyalty program yet; PUT /api/loyalty/program');
    return active;
  }

  async function loadMember(workspaceId: string, memberIdParam: string) {
    const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
    const loaded = (await repo.loadMemberPoints(db, workspaceId, [memberId])).get(memberId);
    return { memberId, member: loaded ?? emptyMemberPoints(memberId) };
  }

  async function summary(workspaceId: string, memberIdParam: string) {
    const { memberId, member } = await loadMember(workspaceId, memberIdParam);
    return { memberId, ...viewPoints(member, await activeDocument(workspaceId), clock.now()) };
  }

  async function quote(workspaceId: string, memberIdParam: string, orderAmount: number) {
    const { member } = await loadMember(workspaceId, memberIdParam);
    return quotePoints(member, await activeDocument(workspaceId), orderAmount, clock.now());
  }

  async function operate(
    workspaceId: string,
    memberIdParam: string,
    key: string | undefined,
    request: PointsOperation,
  ): Promise<OperationAnswer> {
    const memberId = await dependencies.memberForOperation(workspaceId, memberIdParam);
    const now = clock.now();
    const fingerprint = fingerprintOf({ memberId: memberIdParam, request });
    const payload: PointsOperationPayload = { operation: 'points', memberId, request, fingerprint };
    const stored = await appendOperation(dependencies, {
      workspaceId,
      messageId: `points-${key ?? createId(now)}`,
      eventName: 'Points Operation',
      payload,
      now,
    });
    const refused = refusalForReusedKey(stored, fingerprint);
    if (refused) return refused;
    await processThrough(processor, stored.seq);
    const answer = processor.takeAnswer(stored.id) ?? (await points.readOperationResult(db, stored.id));
    if (!answer) throw new HearthError('unavailable', 'the operation was not processed; retry with the same key');
    return answer;
  }

  async function history(
    workspaceId: string,
    memberIdParam: string,
    page: { limit: number; cursor?: string | undefined },
  ) {
    const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
    const entries = await points.readEntries(db, memberId, {
      limit: page.limit + 1,
      ...(page.cursor ? { beforeId: page.cursor } : {}),
    });
    const more = entries.length > page.limit;
    const shown = entries.slice(0, page.limit);
    return { memberId, entries: shown, nextCursor: cursorAfter(shown.at(-1)?.id, more) };
  }

  async function liability(workspaceId: string): Promise<Liability> {
    const workspace = await dependencies.workspaces.get(workspaceId);
    if (!workspace) throw notFound('workspace not found');
    const now = clock.now();
    return computeLiability({
      outstanding: await points.readOutstandingPoints(db, workspaceId, now),
      program: await activeDocument(workspaceId),
      currency: workspace.currency,
      timeZone: workspace.timezone,
      now,
    });
  }

  async function explain(workspaceId: string, memberIdParam: string): Promise<PointsExplanation> {
    const { memberId, member } = await loadMember(workspaceId, memberIdParam);
    const versions = await versionsOf(workspaceId);
    const active = versions.find((saved) => saved.active)?.program ?? null;
    const view = viewPoints(member, active, clock.now());
    const held = (totals: { available: number; pending: number; reserved: number }) =>
      totals.available + totals.pending + totals.reserved;
    const explanation = explainPoints({
      groups: await points.readEntryGroups(db, memberId),
      programs: versions.map((saved) => saved.program),
      sinceLastActivity: held(view.balance) - held(member.totals),
    });
    const tierView = active?.tiers ? await tier(workspaceId, memberId) : null;
    return { memberId, summary: view, ...explanation, tier: tierView };
  }

  async function tier(workspaceId: string, memberIdParam: string) {
    const { memberId, member } = await loadMember(workspaceId, memberIdParam);
    const program = await activeDocument(workspaceId);
    if (!program?.tiers) throw notFound('the loyalty program has no tiers; add `tiers` to it');
    const workspace = await dependencies.workspaces.get(workspaceId);
    const facts = member.tier.facts ?? memberFacts(await dependencies.memberView(memberId));
    const view = viewTier(program, program.tiers, member.tier, facts, clock.now(), workspace?.timezone ?? 'UTC');
    return { memberId, ...view };
  }

  async function tierChanges(workspaceId: string, page: { limit: number; cursor?: string | undefined }) {
    const changes = await readTierChanges(db, workspaceId, { afterId: page.cursor, limit: page.limit });
    return { changes, nextCursor: cursorAfter(changes.at(-1)?.id, changes.length === page.limit) };
  }

  return {
    saveProgram,
    history,
    tierChanges,
    tier,
    liability,
    explain,
    activeProgram,
    programVersions: versionsOf,
    summary,
    quote,
    operate,
  };
}
