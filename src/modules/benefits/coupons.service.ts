import type { Clock } from '../../platform/clock.ts';
import { cursorAfter } from '../../platform/page-cursor.ts';
import { fingerprintOf } from '../../platform/http/idempotency-key.ts';
import { chunks } from '../../platform/db/chunks.ts';
import type { Database } from '../../platform/db/database.ts';
import { HearthError, invalidRequest, notFound } from '../../platform/errors.ts';
import { createId } from '../../platform/ids.ts';
import type { Processor } from '../../platform/processor/processor.ts';
import type { EventLogWriter } from '../ingest/event-log-writer.ts';
import type { StoredOperation } from '../ingest/operation-events.ts';
import { answerOf, submitOperations } from './benefit-operations.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { generateCodes, normalizeCode, patternRoomFor } from './coupon-codes.ts';
import * as pool from './coupon-codes.repo.ts';
import type { CouponRequest } from './coupon-operations.ts';
import * as queries from './coupon-queries.repo.ts';
import { buildReport } from './coupon-report.ts';
import { effectiveStatus, type CouponStatus } from './coupon-rules.ts';
import { toCouponView, type OperationAnswer, type TemplateState } from './coupon-state.ts';
import type { CouponTemplateDefinition } from './coupon-template.schema.ts';
import type { CouponJob, CouponReport, CouponView, IssueBody } from './coupons.schema.ts';
import * as repo from './coupons.repo.ts';
import { toJobView, toTemplateView, type TemplateView } from './coupon-views.ts';

export type CouponAction = Extract<CouponRequest, { couponId: string }>;
type WithoutCoupon<T> = T extends unknown ? Omit<T, 'couponId'> : never;

/** Members issued to per log operation: a big list or segment becomes many small operations. */
const membersPerOperation = 1_000;

export interface CouponsService {
  saveTemplate(
    workspaceId: string,
    definition: CouponTemplateDefinition,
    options: { templateId?: string; key?: string | undefined },
  ): Promise<OperationAnswer>;
  listTemplates(workspaceId: string): Promise<TemplateView[]>;
  getTemplate(workspaceId: string, templateId: string): Promise<TemplateView>;
  generateCodes(workspaceId: string, templateId: string, count: number): Promise<CodesAdded>;
  importCodes(workspaceId: string, templateId: string, codes: string[]): Promise<CodesAdded>;
  exportCodes(workspaceId: string, templateId: string): AsyncGenerator<string[]>;
  issue(workspaceId: string, templateId: string, body: IssueBody, key: string | undefined): Promise<OperationAnswer>;
  job(workspaceId: string, jobId: string): Promise<CouponJob>;
  claim(workspaceId: string, memberId: string, code: string, key: string | undefined): Promise<OperationAnswer>;
  act(
    workspaceId: string,
    couponId: string,
    action: WithoutCoupon<CouponAction>,
    key: string | undefined,
  ): Promise<OperationAnswer>;
  get(workspaceId: string, couponId: string): Promise<CouponView>;
  ofMember(
    workspaceId: string,
    memberId: string,
    page: { status?: CouponStatus | undefined; limit: number; cursor?: string | undefined },
  ): Promise<{ coupons: CouponView[]; nextCursor: string | null }>;
  report(workspaceId: string, templateId: string): Promise<CouponReport>;
}

export interface CodesAdded {
  templateId: string;
  added: number;
  duplicates: number;
  codesAvailable: number;
}

export function createCouponsService(dependencies: {
  database: Database;
  clock: Clock;
  writer: EventLogWriter;
  processor: Processor;
  workspaces: WorkspaceService;
  resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  /** Members of the workspace each id is (after merges); unknown ids are left out. */
  resolveMembers(workspaceId: string, memberIds: string[]): Promise<Map<string, string>>;
  /** Undefined when the workspace has no such segment. */
  segmentMembers(workspaceId: string, segmentId: string): Promise<string[] | undefined>;
}): CouponsService {
  const { database, clock } = dependencies;
  const db = database.db;

  async function submit(workspaceId: string, key: string | undefined, fingerprint: string, requests: CouponRequest[]) {
    const operation = { workspaceId, name: 'coupons', eventName: 'Coupon Operation', key, fingerprint };
    return submitOperations(dependencies, operation, requests);
  }

  const answerFor = (operation: StoredOperation | undefined) => answerOf(dependencies, operation);

  async function templateOf(workspaceId: string, templateId: string): Promise<TemplateState> {
    const template = (await repo.loadTemplates(db, workspaceId)).get(templateId);
    if (!template) throw notFound(`no coupon template ${templateId}`);
    return template;
  }

  async function viewOf(workspaceId: string, template: TemplateState): Promise<TemplateView> {
    return toTemplateView(template, await pool.countAvailableCodes(db, workspaceId, template));
  }

  async function addToPool(workspaceId: string, template: TemplateState, codes: string[]) {
    const { added, throughPosition } = await pool.addCodes(database, workspaceId, template.id, codes);
    const request: CouponRequest = { action: 'codes-added', templateId: template.id, throughPosition };
    const { stored } = await submit(workspaceId, undefined, fingerprintOf(request), [request]);
    await answerFor(stored[0]);
    const refreshed = await templateOf(workspaceId, template.id);
    return { added, codesAvailable: await pool.countAvailableCodes(db, workspaceId, refreshed) };
  }

  async function generate(workspaceId: string, templateId: string, count: number): Promise<CodesAdded> {
    const template = await templateOf(workspaceId, templateId);
    const codes = template.definition.codes;
    if (codes.type !== 'generated') {
      throw new HearthError('conflict', `the template's codes are ${codes.type}, not generated from a pattern`);
    }
    const existing = await pool.lastPosition(db, templateId);
    if (!patternRoomFor(codes.pattern, existing, count)) {
      throw new HearthError(
        'invalid_request',
        `count: the pattern ${codes.pattern} has too few codes to keep ${existing + count} unguessable`,
        {
          issues: [
            { path: 'body.count', message: 'too many for the pattern (at most 1 in 1,000 of its codes may be in use)' },
          ],
        },
      );
    }
    let added = 0;
    let codesAvailable = 0;
    // Codes another template already has are left out: make up the difference with fresh ones.
    for (let attempt = 0; added < count && attempt < 5; attempt += 1) {
      const round = await addToPool(workspaceId, template, generateCodes(codes.pattern, count - added));
      added += round.added;
      codesAvailable = round.codesAvailable;
    }
    return { templateId, added, duplicates: 0, codesAvailable };
  }

  async function importCodes(workspaceId: string, templateId: string, typed: string[]): Promise<CodesAdded> {
    const template = await templateOf(workspaceId, templateId);
    if (template.definition.codes.type !== 'imported') {
      throw new HearthError('conflict', `the template's codes are ${template.definition.codes.type}, not imported`);
    }
    const codes = [...new Set(typed.map(normalizeCode))];
    const round = await addToPool(workspaceId, template, codes);
    return {
      templateId,
      added: round.added,
      duplicates: typed.length - round.added,
      codesAvailable: round.codesAvailable,
    };
  }

  async function* exportCodes(workspaceId: string, templateId: string): AsyncGenerator<string[]> {
    await templateOf(workspaceId, templateId);
    yield ['code', 'position', 'member_id', 'status'];
    const rows = pool.walkPool((after) => pool.readCodesPage(db, workspaceId, templateId, after, 5_000));
    for await (const row of rows) yield [row.code, String(row.position), row.memberId ?? '', row.status ?? 'unissued'];
  }

  async function targetMembers(
    workspaceId: string,
    body: IssueBody,
  ): Promise<{ target: string; ids: string[]; unknown: number }> {
    if (body.segmentId) {
      const ids = await dependencies.segmentMembers(workspaceId, body.segmentId);
      if (!ids) throw invalidRequest('body.segmentId', `no segment ${body.segmentId} in this workspace`);
      return { target: `segment:${body.segmentId}`, ids, unknown: 0 };
    }
    const listed = body.memberIds ?? [];
    const resolved = await dependencies.resolveMembers(workspaceId, listed);
    const ids = [...new Set(listed.map((id) => resolved.get(id)).filter((id) => id !== undefined))];
    return { target: 'list', ids, unknown: listed.filter((id) => !resolved.has(id)).length };
  }

  async function issue(workspaceId: string, templateId: string, body: IssueBody, key: string | undefined) {
    await templateOf(workspaceId, templateId);
    const fingerprint = fingerprintOf({ templateId, body });
    if (body.memberId) {
      const memberId = await dependencies.resolveMemberId(workspaceId, body.memberId);
      const request: CouponRequest = {
        action: 'issue',
        templateId,
        memberIds: [memberId],
        cohort: body.cohort,
        job: null,
      };
      const { stored, refused } = await submit(workspaceId, key, fingerprint, [request]);
      return refused ?? answerFor(stored[0]);
    }
    const { target, ids, unknown } = await targetMembers(workspaceId, body);
    const job = { id: `cjb_${createId(clock.now())}`, target, total: ids.length + unknown, unknown };
    const parts = ids.length === 0 ? [[]] : chunks(ids, membersPerOperation);
    const requests: CouponRequest[] = parts.map((memberIds) => ({
      action: 'issue',
      templateId,
      memberIds,
      cohort: body.cohort,
      job,
    }));
    const { stored, refused } = await submit(workspaceId, key, fingerprint, requests);
    if (refused) return refused;
    const first = stored[0]?.payload.request as Extract<CouponRequest, { action: 'issue' }>;
    return { status: 202, body: { job: await readJob(workspaceId, first.job?.id ?? job.id) } };
  }

  async function readJob(workspaceId: string, jobId: string): Promise<CouponJob> {
    const [job] = await repo.loadJobs(db, [jobId]);
    if (!job || (await repo.loadTemplates(db, workspaceId)).get(job.templateId) === undefined) {
      throw notFound(`no coupon job ${jobId}`);
    }
    return toJobView(job);
  }

  async function claim(workspaceId: string, memberIdParam: string, code: string, key: string | undefined) {
    const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
    const request: CouponRequest = { action: 'claim', memberId, code: normalizeCode(code) };
    const { stored, refused } = await submit(workspaceId, key, fingerprintOf({ memberIdParam, code }), [request]);
    return refused ?? answerFor(stored[0]);
  }

  async function act(
    workspaceId: string,
    couponId: string,
    action: WithoutCoupon<CouponAction>,
    key: string | undefined,
  ) {
    if (!(await queries.readCoupon(db, workspaceId, couponId))) throw notFound(`no coupon ${couponId}`);
    const request = { ...action, couponId } as CouponRequest;
    const { stored, refused } = await submit(workspaceId, key, fingerprintOf(request), [request]);
    return refused ?? answerFor(stored[0]);
  }

  return {
    async saveTemplate(workspaceId, definition, options) {
      const templateId = options.templateId ?? `ctp_${createId(clock.now())}`;
      const request: CouponRequest = {
        action: 'save-template',
        templateId,
        existing: options.templateId !== undefined,
        definition,
      };
      const fingerprint = fingerprintOf({ templateId: options.templateId ?? null, definition });
      const { stored, refused } = await submit(workspaceId, options.key, fingerprint, [request]);
      if (refused) return refused;
      const answer = await answerFor(stored[0]);
      if (answer.status >= 300) return answer;
      return {
        status: answer.status,
        body: await viewOf(workspaceId, await templateOf(workspaceId, String(answer.body.templateId))),
      };
    },
    async listTemplates(workspaceId) {
      const templates = [...(await repo.loadTemplates(db, workspaceId)).values()];
      return Promise.all(templates.map((template) => viewOf(workspaceId, template)));
    },
    getTemplate: async (workspaceId, templateId) => viewOf(workspaceId, await templateOf(workspaceId, templateId)),
    generateCodes: generate,
    importCodes,
    exportCodes,
    issue,
    job: readJob,
    claim,
    act,
    async get(workspaceId, couponId) {
      const coupon = await queries.readCoupon(db, workspaceId, couponId);
      if (!coupon) throw notFound(`no coupon ${couponId}`);
      return toCouponView(coupon, effectiveStatus(coupon, clock.now()));
    },
    async ofMember(workspaceId, memberIdParam, page) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const now = clock.now();
      const rows = await queries.readMemberCoupons(db, memberId, {
        status: page.status,
        now,
        limit: page.limit + 1,
        beforeId: page.cursor,
      });
      const shown = rows.slice(0, page.limit);
      return {
        coupons: shown.map((coupon) => toCouponView(coupon, effectiveStatus(coupon, now))),
        nextCursor: cursorAfter(shown.at(-1)?.id, rows.length > page.limit),
      };
    },
    async report(workspaceId, templateId) {
      const template = await templateOf(workspaceId, templateId);
      const currency = (await dependencies.workspaces.get(workspaceId))?.currency ?? 'CNY';
      const costCentre = template.definition.costCentre ?? null;
      return {
        templateId,
        currency,
        costCentre,
        ...buildReport(await queries.readCohortCounts(db, templateId, clock.now())),
      };
    },
  };
}
