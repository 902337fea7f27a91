import type { DbTransaction } from '../../platform/db/database.ts';
import {
  groupByWorkspace,
  type LoggedEvent,
  type ProcessingBatch,
  type Stage,
} from '../../platform/processor/stage.ts';
import { reassignMergedRows } from '../../platform/db/merged-rows.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import { normalizeCode } from './coupon-codes.ts';
import { foldCouponEvent } from './coupon-fold.ts';
import { couponGrantsByCause, foldCouponGrants, type CouponGrant } from './coupon-grants.ts';
import { readCouponOperation, type CouponOperationPayload } from './coupon-operations.ts';
import { readCouponUse } from './coupon-order-events.ts';
import type { CouponFoldState, PoolCode } from './coupon-state.ts';
import * as repo from './coupons.repo.ts';
import { loadPool } from './coupon-codes.repo.ts';

export interface CouponMemberViews {
  /** The member an id ended up in after merges (itself when it was never merged). */
  survivors(transaction: DbTransaction, memberIds: string[]): Promise<Map<string, string>>;
  /** Each member's loyalty tier, for templates limited to tiers. */
  tiers(transaction: DbTransaction, memberIds: string[]): Promise<Map<string, string | null>>;
}

interface BatchNeeds {
  operations: Array<CouponOperationPayload | undefined>;
  couponIds: string[];
  orderIds: string[];
  memberIds: string[];
  codes: string[];
  /** Pool codes each template may hand out in this batch, at most. */
  issues: Map<string, number>;
  /** The last pool position each template's codes are made available through in this batch. */
  availableThrough: Map<string, number>;
}

function readNeeds(events: LoggedEvent[], currency: string, grants: CouponGrant[]): BatchNeeds {
  const needs: BatchNeeds = {
    operations: [],
    couponIds: [],
    orderIds: [],
    memberIds: [],
    codes: [],
    issues: new Map(),
    availableThrough: new Map(),
  };
  for (const event of events) {
    const operation = readCouponOperation(event.payload);
    needs.operations.push(operation);
    const request = operation?.request;
    if (request && 'couponId' in request) needs.couponIds.push(request.couponId);
    if (request?.action === 'reserve') needs.orderIds.push(request.order.orderId);
    if (request?.action === 'redeem') needs.orderIds.push(request.orderId);
    if (request?.action === 'claim') {
      needs.memberIds.push(request.memberId);
      needs.codes.push(normalizeCode(request.code));
    }
    if (request?.action === 'save-template' && request.definition.codes.type === 'shared') {
      needs.codes.push(normalizeCode(request.definition.codes.code));
    }
    if (request?.action === 'codes-added') {
      const through = Math.max(needs.availableThrough.get(request.templateId) ?? 0, request.throughPosition);
      needs.availableThrough.set(request.templateId, through);
    }
    if (request?.action === 'issue') {
      needs.memberIds.push(...request.memberIds);
      needs.issues.set(request.templateId, (needs.issues.get(request.templateId) ?? 0) + request.memberIds.length);
    }
    const use = operation ? undefined : readCouponUse(event, currency);
    if (use && event.memberId) {
      needs.memberIds.push(event.memberId);
      needs.codes.push(normalizeCode(use.code));
      needs.orderIds.push(use.order.orderId);
      if (use.couponId) needs.couponIds.push(use.couponId);
    }
  }
  for (const grant of grants) {
    needs.memberIds.push(grant.memberId);
    needs.issues.set(grant.templateId, (needs.issues.get(grant.templateId) ?? 0) + 1);
  }
  return needs;
}

/** Whether the batch has anything for coupons: cheap name checks before parsing or loading. */
function concernsCoupons(events: LoggedEvent[]): boolean {
  return events.some(
    (event) =>
      event.payload.operation === 'coupons' ||
      event.eventName === 'Coupon Applied' ||
      (event.eventName === 'Order Completed' &&
        typeof event.payload.properties === 'object' &&
        event.payload.properties !== null &&
        'coupon' in event.payload.properties),
  );
}

async function loadState(
  transaction: DbTransaction,
  workspaceId: string,
  currency: string,
  needs: BatchNeeds,
  views: CouponMemberViews,
): Promise<CouponFoldState> {
  const survivors = await views.survivors(transaction, [...new Set(needs.memberIds)]);
  const survivorOf = (memberId: string) => survivors.get(memberId) ?? memberId;
  const memberIds = [...new Set(needs.memberIds.map(survivorOf))];
  const templates = await repo.loadTemplates(transaction, workspaceId);
  const coupons = await repo.loadCoupons(transaction, workspaceId, {
    ids: [...new Set(needs.couponIds)],
    orderIds: [...new Set(needs.orderIds)],
    memberCodes: { memberIds, codes: [...new Set(needs.codes)] },
  });
  const named = await repo.loadNamedCodes(transaction, workspaceId, [...new Set(needs.codes)]);
  const pools = new Map<string, PoolCode[]>();
  for (const [templateId, wanted] of needs.issues) {
    const template = templates.get(templateId);
    // Codes made available later in the batch count too (the fold hands them out only from there on),
    // and claims in the same batch may take some of the next ones: load that many more.
    const range = {
      id: templateId,
      codePosition: template?.codePosition ?? 0,
      availablePosition: Math.max(template?.availablePosition ?? 0, needs.availableThrough.get(templateId) ?? 0),
    };
    pools.set(templateId, await loadPool(transaction, range, wanted + needs.codes.length, workspaceId));
  }
  const owners = [...new Set([...memberIds, ...coupons.map((coupon) => coupon.memberId)])];
  return {
    workspaceId,
    currency,
    templates,
    coupons: new Map(coupons.map((coupon) => [coupon.id, coupon])),
    held: await repo.loadHeld(transaction, [...templates.keys()], memberIds),
    pools,
    namedCodes: new Map(named.named.map((code) => [code.code, code])),
    takenCodes: new Set(named.taken),
    jobs: new Map((await repo.loadJobs(transaction, jobIdsOf(needs))).map((job) => [job.id, job])),
    tiers: await views.tiers(transaction, owners),
    survivorOf,
    changedTemplates: new Set(),
    changedCoupons: new Set(),
    changedJobs: new Set(),
    answers: new Map(),
    derivedEvents: [],
  };
}

function jobIdsOf(needs: BatchNeeds): string[] {
  const ids = needs.operations.map((operation) =>
    operation?.request.action === 'issue' ? operation.request.job?.id : undefined,
  );
  return [...new Set(ids.filter((id) => id !== undefined))];
}

async function saveState(batch: ProcessingBatch, state: CouponFoldState): Promise<void> {
  const { transaction } = batch;
  const pick = <T>(ids: Set<string>, from: Map<string, T>) =>
    [...ids].map((id) => from.get(id)).filter((value) => value !== undefined);
  await repo.saveTemplates(transaction, state.workspaceId, pick(state.changedTemplates, state.templates));
  const coupons = pick(state.changedCoupons, state.coupons);
  await repo.saveCoupons(transaction, state.workspaceId, coupons);
  await repo.saveJobs(transaction, state.workspaceId, pick(state.changedJobs, state.jobs));
  await repo.saveAnswers(batch, state.workspaceId, state.answers);
  for (const coupon of coupons) batch.changedMembers.add(coupon.memberId);
  batch.derivedEvents.push(...state.derivedEvents);
}

/**
 * A checkout (reserve, or redeem with the order) checks the member's tier, which loyalty, a later
 * stage, keeps: it is a batch of its own, so the tier it reads is the one the log before it left.
 */
function checksTier(event: LoggedEvent): boolean {
  if (event.type !== 'hearth_operation' || event.payload.operation !== 'coupons') return false;
  const request = readCouponOperation(event.payload)?.request;
  return request?.action === 'reserve' || (request?.action === 'redeem' && request.order !== undefined);
}

/** Coupons: templates, issues, claims and the checkout life of each coupon, decided in log order. */
export function createCouponsStage(dependencies: { workspaces: WorkspaceService; views: CouponMemberViews }): Stage {
  return {
    name: 'coupons',
    alone: checksTier,
    async apply(batch) {
      // A merged member's coupons are the survivor's from the merge on.
      await reassignMergedRows(
        batch.transaction,
        batch.merges,
        { tables: repo.memberStateTables },
        (merged, survivor) => repo.reassignCoupons(batch.transaction, merged, survivor),
      );
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const grants = couponGrantsByCause(batch.derivedEvents, workspaceId);
        if (!concernsCoupons(events) && grants.size === 0) continue;
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        const needs = readNeeds(events, workspace.currency, [...grants.values()].flat());
        const state = await loadState(batch.transaction, workspaceId, workspace.currency, needs, dependencies.views);
        for (const [index, event] of events.entries()) {
          foldCouponEvent(state, event, needs.operations[index]);
          const granted = grants.get(event.id);
          if (granted) foldCouponGrants(state, event, granted);
        }
        await saveState(batch, state);
      }
    },
    async reset(transaction) {
      for (const table of repo.couponDerivedTables) await transaction.deleteFrom(table).execute();
    },
  };
}
