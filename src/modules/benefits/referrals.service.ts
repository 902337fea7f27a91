import type { z } from 'zod';
import { checkNamedTemplates } from './coupon-template-references.ts';
import { fingerprintOf } from '../../platform/http/idempotency-key.ts';
import { notFound } from '../../platform/errors.ts';
import { answerOf, submitOperations, type OperationDependencies } from './benefit-operations.ts';
import type { OperationAnswer } from './coupon-state.ts';
import { loadDefinitions } from './definitions.repo.ts';
import { referralView } from './referral-rules.ts';
import type {
  ReferralProgram,
  ReferralRequest,
  ReferralReward,
  referralCodeSchema,
  referralTreeSchema,
} from './referral.schema.ts';
import * as repo from './referrals.repo.ts';

export interface ReferralsService {
  saveProgram(workspaceId: string, program: ReferralProgram, key: string | undefined): Promise<OperationAnswer>;
  program(workspaceId: string): Promise<ReferralProgram>;
  issueCode(workspaceId: string, memberId: string): Promise<z.infer<typeof referralCodeSchema>>;
  link(workspaceId: string, memberId: string, code: string, key: string | undefined): Promise<OperationAnswer>;
  tree(workspaceId: string, memberId: string, limit: number): Promise<z.infer<typeof referralTreeSchema>>;
}

export function createReferralsService(
  dependencies: OperationDependencies & { resolveMemberId(workspaceId: string, memberId: string): Promise<string> },
): ReferralsService {
  const { database } = dependencies;
  const db = database.db;
  const submit = async (workspaceId: string, key: string | undefined, request: ReferralRequest) => {
    const operation = {
      workspaceId,
      name: 'referrals',
      eventName: 'Referral Operation',
      key,
      fingerprint: fingerprintOf(request),
    };
    const { stored, refused } = await submitOperations(dependencies, operation, [request]);
    return refused ?? answerOf(dependencies, stored[0]);
  };

  async function program(workspaceId: string): Promise<ReferralProgram> {
    const saved = (await loadDefinitions<ReferralProgram>(db, 'referral_programs', workspaceId)).get(repo.programId);
    if (!saved) throw notFound('the workspace has no referral program; PUT /api/referrals/program');
    return saved.definition;
  }

  return {
    async saveProgram(workspaceId, definition, key) {
      const templateOf = (reward: ReferralReward | undefined) =>
        reward?.type === 'coupon' ? reward.templateId : undefined;
      await checkNamedTemplates(db, workspaceId, [
        ['body.referrerReward.templateId', templateOf(definition.referrerReward)],
        ['body.refereeReward.templateId', templateOf(definition.refereeReward)],
      ]);
      const answer = await submit(workspaceId, key, { action: 'save-program', program: definition });
      return answer.status >= 300 ? answer : { status: 200, body: await program(workspaceId) };
    },
    program,
    async issueCode(workspaceId, memberIdParam) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const { linkBase } = await program(workspaceId);
      const existing = (await repo.loadCodes(db, workspaceId, { codes: [], memberIds: [memberId] }))[0];
      // A member's code is made once; asking again reads it without writing to the log.
      const code =
        existing?.code ??
        String((await submit(workspaceId, `code-${memberId}`, { action: 'issue-code', memberId })).body.code);
      return { memberId, code, link: `${linkBase}${code}` };
    },
    async link(workspaceId, memberIdParam, code, key) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      return submit(workspaceId, key, { action: 'link', memberId, code });
    },
    async tree(workspaceId, memberIdParam, limit) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const code = (await repo.loadCodes(db, workspaceId, { codes: [], memberIds: [memberId] }))[0]?.code ?? null;
      const referredBy = (await repo.loadReferrals(db, [memberId])).get(memberId)?.referrerId ?? null;
      const brought = await repo.readReferralsBy(db, memberId, limit);
      const children = await repo.countReferralsBy(
        db,
        brought.map((referral) => referral.refereeId),
      );
      const counts = { linked: 0, qualified: 0, rewarded: 0, voided: 0 };
      for (const referral of brought) counts[referral.status] += 1;
      return {
        memberId,
        code,
        referredBy,
        counts,
        referrals: brought.map((referral) => ({
          ...referralView(referral),
          children: children.get(referral.refereeId) ?? 0,
        })),
      };
    },
  };
}
