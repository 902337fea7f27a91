import type { DbTransaction } from '../../platform/db/database.ts';
import {
  groupByWorkspace,
  type LoggedEvent,
  type ProcessingBatch,
  type Stage,
} from '../../platform/processor/stage.ts';
import { readClockTick } from '../../platform/timers/clock-tick.ts';
import { readDueSubjects, scheduleTimers } from '../../platform/timers/timers.repo.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';
import type { CouponMemberViews } from './coupons.stage.ts';
import { saveAnswers } from './coupons.repo.ts';
import { loadDefinitions } from './definitions.repo.ts';
import {
  candidateCode,
  candidatesLoaded,
  foldReferralEvent,
  readSignUpCode,
  settleReferral,
  type ReferralFoldState,
} from './referral-rules.ts';
import { readReferralOperation, type ReferralProgram } from './referral.schema.ts';
import * as repo from './referrals.repo.ts';

export const referralTimerOwner = 'referrals';

async function loadState(
  batch: ProcessingBatch,
  workspace: { id: string; currency: string; timezone: string },
  events: LoggedEvent[],
  survivors: Map<string, string>,
  due: string[],
): Promise<ReferralFoldState> {
  const transaction: DbTransaction = batch.transaction;
  const survivorOf = (memberId: string) => survivors.get(memberId) ?? memberId;
  const requests = events.map((event) => readReferralOperation(event.payload)?.request);
  const members = [...new Set(survivors.values())];
  const codes = [
    ...requests.flatMap((request) => (request?.action === 'link' ? [request.code.trim().toUpperCase()] : [])),
    ...requests.flatMap((request) =>
      request?.action === 'issue-code'
        ? Array.from({ length: candidatesLoaded }, (_, attempt) => candidateCode(survivorOf(request.memberId), attempt))
        : [],
    ),
    ...events.flatMap((event) => [readSignUpCode(event)?.trim().toUpperCase() ?? []].flat()),
  ];
  const known = await repo.loadCodes(transaction, workspace.id, { codes, memberIds: members });
  const referrals = await repo.loadReferralChains(transaction, [
    ...members,
    ...due,
    ...known.map((code) => code.memberId),
  ]);
  const dueReferrals = due.flatMap((id) => referrals.get(id) ?? []);
  const programs = await loadDefinitions<ReferralProgram>(transaction, 'referral_programs', workspace.id);
  return {
    workspaceId: workspace.id,
    currency: workspace.currency,
    timeZone: workspace.timezone,
    program: programs.get(repo.programId),
    programChanged: false,
    memberByCode: new Map(known.map((code) => [code.code, code.memberId])),
    codeByMember: new Map(known.map((code) => [code.memberId, code.code])),
    newCodes: [],
    referrals,
    changedReferrals: new Set(),
    orderCounts: await repo.countEarlierOrders(
      transaction,
      members,
      events.map((event) => event.id),
    ),
    referrerRewards: await repo.loadReferrerRewards(
      transaction,
      dueReferrals.map((referral) => referral.referrerId),
    ),
    netOrders: await repo.loadNetOrders(
      transaction,
      workspace.id,
      dueReferrals.flatMap((referral) => referral.orderId ?? []),
    ),
    timers: [],
    survivorOf,
    answers: new Map(),
    derivedEvents: [],
  };
}

/** Referrals: codes, links at sign-up, the first order, and rewards once its return window has passed. */
export function createReferralsStage(dependencies: {
  workspaces: WorkspaceService;
  views: Pick<CouponMemberViews, 'survivors'>;
}): Stage {
  return {
    name: 'referrals',
    async apply(batch) {
      for (const [workspaceId, events] of groupByWorkspace(batch.events)) {
        const tick = events.length === 1 ? readClockTick(events[0]?.payload) : undefined;
        const due = tick
          ? await readDueSubjects(batch.transaction, workspaceId, referralTimerOwner, tick.until, tick.limit)
          : [];
        const operations = events.map((event) => readReferralOperation(event.payload));
        const hasProgram = (await loadDefinitions(batch.transaction, 'referral_programs', workspaceId)).size > 0;
        if (!hasProgram && operations.every((operation) => operation === undefined) && due.length === 0) continue;
        const workspace = await dependencies.workspaces.get(workspaceId, batch.transaction);
        if (!workspace) continue;
        const memberIds = events.flatMap((event) => {
          const request = operations[events.indexOf(event)]?.request;
          return [
            ...(event.memberId ? [event.memberId] : []),
            ...(request && 'memberId' in request ? [request.memberId] : []),
          ];
        });
        const survivors = await dependencies.views.survivors(batch.transaction, [...new Set(memberIds)]);
        const state = await loadState(
          batch,
          { id: workspaceId, currency: workspace.currency, timezone: workspace.timezone },
          events,
          survivors,
          due,
        );
        for (const [index, event] of events.entries()) {
          if (tick) for (const refereeId of due) settleReferral(state, refereeId, event);
          else
            foldReferralEvent(
              state,
              event,
              operations[index]?.request,
              event.memberId ? state.survivorOf(event.memberId) : null,
            );
        }
        await repo.saveReferralState(batch.transaction, state);
        await scheduleTimers(batch.transaction, workspaceId, referralTimerOwner, state.timers);
        await saveAnswers(batch, workspaceId, state.answers);
        for (const id of state.changedReferrals) batch.changedMembers.add(id);
        batch.derivedEvents.push(...state.derivedEvents);
      }
    },
    async reset(transaction) {
      for (const table of repo.referralDerivedTables) await transaction.deleteFrom(table).execute();
      await transaction.deleteFrom('timers').where('owner', '=', referralTimerOwner).execute();
    },
  };
}
