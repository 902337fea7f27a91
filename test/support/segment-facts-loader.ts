import type { DbExecutor } from '../../src/platform/db/database.ts';
import { parseJson } from '../../src/platform/db/json.ts';
import { isRecord } from '../../src/platform/values.ts';
import { emptyFeatures, type FeatureState } from '../../src/modules/profiles/features.ts';
import type { FactEvent, FactLifeStage, MemberFacts } from '../../src/modules/audience/segment-facts.ts';

/**
 * TEMPORARY stand-in for `loadMemberFacts` (src/modules/audience/segment-facts.repo.ts, being
 * written on main): the same reads, so the agreement test runs until the real loader lands.
 * Delete this file once the test imports the real one.
 */
export async function loadMemberFacts(
  db: DbExecutor,
  workspaceId: string,
  memberIds: string[],
): Promise<Map<string, MemberFacts>> {
  const [members, accounts, tags, identifiers, stages, events] = await Promise.all([
    db
      .selectFrom('members')
      .select(['id', 'traits', 'features'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', memberIds)
      .where('merged_into', 'is', null)
      .execute(),
    db
      .selectFrom('points_accounts')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', memberIds)
      .execute(),
    db
      .selectFrom('member_tags')
      .select(['member_id', 'tag_id'])
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', memberIds)
      .execute(),
    db
      .selectFrom('identifiers')
      .select(['member_id', 'type'])
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', memberIds)
      .execute(),
    db
      .selectFrom('member_life_stages')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', memberIds)
      .execute(),
    db
      .selectFrom('event_members as em')
      .innerJoin('events as e', 'e.seq', 'em.seq')
      .select(['em.member_id', 'e.event_name', 'e.event_time', 'e.payload'])
      .where('em.workspace_id', '=', workspaceId)
      .where('em.member_id', 'in', memberIds)
      .where('e.type', '=', 'track')
      .execute(),
  ]);
  const facts = new Map<string, MemberFacts>();
  for (const member of members) {
    const account = accounts.find((row) => row.member_id === member.id);
    const memberEvents: FactEvent[] = events
      .filter((row) => row.member_id === member.id)
      .map((row) => {
        const payload = parseJson<Record<string, unknown>>(row.payload);
        const properties = isRecord(payload.properties) ? payload.properties : {};
        return { name: row.event_name ?? '', time: Number(row.event_time), properties };
      });
    const lifeStages: FactLifeStage[] = stages
      .filter((row) => row.member_id === member.id)
      .map((row) => ({
        stageId: row.stage_id,
        nextStageId: row.next_stage_id,
        nextStageAt: row.next_stage_at === null ? null : Number(row.next_stage_at),
      }));
    facts.set(member.id, {
      memberId: member.id,
      traits: parseJson<Record<string, unknown>>(member.traits),
      features: { ...emptyFeatures(), ...parseJson<Partial<FeatureState>>(member.features) },
      tags: new Set(tags.filter((row) => row.member_id === member.id).map((row) => row.tag_id)),
      tier: account?.tier_id ?? null,
      points: {
        available: Number(account?.available ?? 0),
        pending: Number(account?.pending ?? 0),
        lifetimeEarned: Number(account?.lifetime_earned ?? 0),
        lifetimeRedeemed: Number(account?.lifetime_redeemed ?? 0),
        lifetimeExpired: Number(account?.lifetime_expired ?? 0),
      },
      identifierTypes: new Set(identifiers.filter((row) => row.member_id === member.id).map((row) => row.type)),
      events: memberEvents,
      lifeStages,
    });
  }
  return facts;
}
