import type { z } from 'zod';
import { checkNamedTemplates } from './coupon-template-references.ts';
import { cursorAfter } from '../../platform/page-cursor.ts';
import { fingerprintOf } from '../../platform/http/idempotency-key.ts';
import { invalidRequest, notFound } from '../../platform/errors.ts';
import { answerOf, submitOperations, type OperationDependencies } from './benefit-operations.ts';
import type { BadgeDefinition, BadgeView, holdersSchema, memberBadgesSchema } from './badge-definition.schema.ts';
import type { BadgeState, MemberBadge } from './badge-fold.ts';
import { measureValue } from './badge-rules.ts';
import type { OperationAnswer } from './coupon-state.ts';
import * as repo from './badges.repo.ts';
import type { WorkspaceService } from '../workspaces/workspaces.service.ts';

export interface BadgesService {
  save(
    workspaceId: string,
    badgeId: string,
    definition: BadgeDefinition,
    key: string | undefined,
  ): Promise<OperationAnswer>;
  list(workspaceId: string): Promise<BadgeView[]>;
  get(workspaceId: string, badgeId: string): Promise<BadgeView>;
  holders(
    workspaceId: string,
    badgeId: string,
    page: { level?: string | undefined; limit: number; cursor?: string | undefined },
  ): Promise<z.infer<typeof holdersSchema>>;
  ofMember(workspaceId: string, memberId: string): Promise<z.infer<typeof memberBadgesSchema>>;
}

const iso = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());

function toView(badge: BadgeState, counts: Map<number, number> | undefined): BadgeView {
  const holders = Object.fromEntries(
    badge.definition.levels.map((level, index) => [level.name, counts?.get(index) ?? 0]),
  );
  return {
    ...badge.definition,
    id: badge.id,
    holders,
    createdAt: iso(badge.createdAt) ?? '',
    updatedAt: iso(badge.updatedAt) ?? '',
  };
}

function heldView(badge: BadgeState, held: MemberBadge) {
  return {
    memberId: held.memberId,
    badgeId: held.badgeId,
    level: badge.definition.levels[held.levelIndex]?.name ?? null,
    value: held.value,
    awardedAt: iso(held.awardedAt),
  };
}

export function createBadgesService(
  dependencies: OperationDependencies & {
    workspaces: WorkspaceService;
    resolveMemberId(workspaceId: string, memberId: string): Promise<string>;
  },
): BadgesService {
  const { database, clock } = dependencies;
  const db = database.db;

  async function badgeOf(workspaceId: string, badgeId: string): Promise<BadgeState> {
    const badge = (await repo.loadBadges(db, workspaceId)).get(badgeId);
    if (!badge) throw notFound(`no badge ${badgeId}`);
    return badge;
  }

  return {
    async save(workspaceId, badgeId, definition, key) {
      await checkNamedTemplates(
        db,
        workspaceId,
        definition.levels.map(
          (level, index) =>
            [
              `body.levels.${index}.reward.templateId`,
              level.reward?.type === 'coupon' ? level.reward.templateId : undefined,
            ] as const,
        ),
      );
      const request = { action: 'save-badge' as const, badgeId, definition };
      const operation = {
        workspaceId,
        name: 'badges',
        eventName: 'Badge Saved',
        key,
        fingerprint: fingerprintOf(request),
      };
      const { stored, refused } = await submitOperations(dependencies, operation, [request]);
      if (refused) return refused;
      const answer = await answerOf(dependencies, stored[0]);
      const counts = (await repo.countHolders(db, workspaceId)).get(badgeId);
      return { status: answer.status, body: toView(await badgeOf(workspaceId, badgeId), counts) };
    },
    async list(workspaceId) {
      const counts = await repo.countHolders(db, workspaceId);
      return [...(await repo.loadBadges(db, workspaceId)).values()].map((badge) => toView(badge, counts.get(badge.id)));
    },
    async get(workspaceId, badgeId) {
      return toView(await badgeOf(workspaceId, badgeId), (await repo.countHolders(db, workspaceId)).get(badgeId));
    },
    async holders(workspaceId, badgeId, page) {
      const badge = await badgeOf(workspaceId, badgeId);
      const fromLevel =
        page.level === undefined ? 0 : badge.definition.levels.findIndex((level) => level.name === page.level);
      if (fromLevel < 0) throw invalidRequest('query.level', `the badge has no level ${page.level ?? ''}`);
      const rows = await repo.readHolders(db, workspaceId, badgeId, {
        fromLevel,
        limit: page.limit + 1,
        afterMemberId: page.cursor,
      });
      const shown = rows.slice(0, page.limit);
      return {
        badgeId,
        holders: shown.map((held) => heldView(badge, held)),
        nextCursor: cursorAfter(shown.at(-1)?.memberId, rows.length > page.limit),
      };
    },
    async ofMember(workspaceId, memberIdParam) {
      const memberId = await dependencies.resolveMemberId(workspaceId, memberIdParam);
      const badges = await repo.loadBadges(db, workspaceId);
      const timeZone = (await dependencies.workspaces.get(workspaceId))?.timezone ?? 'UTC';
      const held = (await repo.loadMemberBadges(db, [memberId])).flatMap((row) => {
        const badge = badges.get(row.badgeId);
        if (!badge) return [];
        const value = measureValue(badge.definition, row.contributions, clock.now(), timeZone);
        const next = badge.definition.levels[row.levelIndex + 1];
        const reached = badge.definition.levels.slice(0, row.levelIndex + 1);
        return [
          {
            ...heldView(badge, row),
            value,
            name: badge.definition.name,
            unlocks: reached.flatMap((level) => (level.unlocks ? [level.unlocks] : [])),
            next: next ? { level: next.name, missing: Math.max(0, next.threshold - value) } : null,
          },
        ];
      });
      return { memberId, badges: held };
    },
  };
}
