import type { Database } from '../../platform/db/database.ts';
import { notFound } from '../../platform/errors.ts';
import { readMemberEvents } from '../ingest/event-log.repo.ts';
import { presentFeatures } from './features.ts';
import * as repo from './profiles.repo.ts';
import type { MemberEvent } from './profiles.schema.ts';
import { findRefusals } from '../quality/quality.repo.ts';

export interface ProfilesService {
  profile(
    memberId: string,
  ): Promise<{ createdAt: string; traits: Record<string, unknown>; features: ReturnType<typeof presentFeatures> }>;
  events(
    memberIds: string[],
    options: { limit: number; cursor?: number },
  ): Promise<{ events: MemberEvent[]; nextCursor: number | null }>;
}

export function createProfilesService(dependencies: { database: Database }): ProfilesService {
  const db = dependencies.database.db;
  return {
    async profile(memberId) {
      const member = (await repo.loadMembers(db, [memberId])).get(memberId);
      if (!member) throw notFound(`member ${memberId} not found`);
      return {
        createdAt: new Date(member.createdAt).toISOString(),
        traits: member.profile.traits.traits,
        features: presentFeatures(member.profile.features),
      };
    },
    async events(memberIds, options) {
      const rows = await readMemberEvents(db, memberIds, {
        limit: options.limit + 1,
        ...(options.cursor !== undefined ? { beforeSeq: options.cursor } : {}),
      });
      const page = rows.slice(0, options.limit);
      const last = page[page.length - 1];
      const refusals = await findRefusals(
        db,
        page.map((event) => event.seq),
      );
      return {
        events: page.map((event) => ({
          id: event.id,
          messageId: event.messageId,
          type: event.type,
          event: event.eventName,
          timestamp: new Date(event.eventTime).toISOString(),
          receivedAt: new Date(event.receivedAt).toISOString(),
          payload: event.payload,
          refusal: refusals.get(event.seq) ?? null,
        })),
        nextCursor: rows.length > options.limit && last ? last.seq : null,
      };
    },
  };
}
