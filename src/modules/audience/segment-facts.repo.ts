import { chunks } from '../../platform/db/chunks.ts';
import type { DbExecutor } from '../../platform/db/database.ts';
import { parseJson } from '../../platform/db/json.ts';
import { isRecord } from '../../platform/values.ts';
import { emptyFeatures, type FeatureState } from '../profiles/features.ts';
import type { FactEvent, FactLifeStage, MemberFacts } from './segment-facts.ts';

export interface FactsOptions {
  /** Only these events are loaded (the names the definitions ask about); all when absent. */
  eventNames?: readonly string[];
}

type Grouped<T> = Map<string, T[]>;

function push<T>(groups: Grouped<T>, key: string, value: T): void {
  const list = groups.get(key);
  if (list) list.push(value);
  else groups.set(key, [value]);
}

/** The members' tracked events (only those named, when names are given), by member. */
export async function loadTrackedEvents(
  db: DbExecutor,
  workspaceId: string,
  memberIds: string[],
  options: FactsOptions,
): Promise<Map<string, FactEvent[]>> {
  const events: Grouped<FactEvent> = new Map();
  const names = options.eventNames;
  if (names && names.length === 0) return events;
  let query = db
    .selectFrom('event_members as em')
    .innerJoin('events as e', 'e.seq', 'em.seq')
    .select(['em.member_id', 'e.event_name', 'e.event_time', 'e.payload'])
    .where('em.workspace_id', '=', workspaceId)
    .where('em.member_id', 'in', memberIds)
    .where('e.type', '=', 'track')
    // An event the quality stage refused counts in no segment.
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('event_refusals as refused').select('refused.seq').whereRef('refused.seq', '=', 'e.seq'))),
    );
  if (names) query = query.where('e.event_name', 'in', [...names]);
  for (const row of await query.execute()) {
    const payload = parseJson<Record<string, unknown>>(row.payload);
    push(events, row.member_id, {
      name: row.event_name ?? '',
      time: Number(row.event_time),
      properties: isRecord(payload.properties) ? payload.properties : {},
    });
  }
  return events;
}

async function loadSets(db: DbExecutor, workspaceId: string, memberIds: string[]) {
  const [tags, identifiers, stages, rfm] = await Promise.all([
    db
      .selectFrom('member_tags')
      .select(['member_id', 'tag_id'])
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', memberIds)
      .execute(),
    // Selected by member and the workspace checked below: with the workspace in the query, SQLite's
    // planner (which has no statistics) scanned the workspace's whole primary key rather than use
    // the member index, 780 ms per clock tick over 100,000 members.
    db
      .selectFrom('identifiers')
      .select(['member_id', 'type', 'workspace_id'])
      .distinct()
      .where('member_id', 'in', memberIds)
      .execute(),
    db
      .selectFrom('member_life_stages')
      .select(['member_id', 'stage_id', 'next_stage_id', 'next_stage_at'])
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', memberIds)
      .execute(),
    db
      .selectFrom('member_rfm')
      .select(['member_id', 'segment'])
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', memberIds)
      .execute(),
  ]);
  const tagsOf: Grouped<string> = new Map();
  for (const row of tags) push(tagsOf, row.member_id, row.tag_id);
  const identifiersOf: Grouped<string> = new Map();
  for (const row of identifiers) if (row.workspace_id === workspaceId) push(identifiersOf, row.member_id, row.type);
  const stagesOf: Grouped<FactLifeStage> = new Map();
  for (const row of stages) {
    push(stagesOf, row.member_id, {
      stageId: row.stage_id,
      nextStageId: row.next_stage_id,
      nextStageAt: row.next_stage_at === null ? null : Number(row.next_stage_at),
    });
  }
  const rfmOf = new Map(rfm.map((row) => [row.member_id, row.segment]));
  return { tagsOf, identifiersOf, stagesOf, rfmOf };
}

async function loadChunk(db: DbExecutor, workspaceId: string, memberIds: string[], options: FactsOptions) {
  const [members, accounts, sets, events] = await Promise.all([
    db
      .selectFrom('members')
      .select(['id', 'traits', 'features'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', memberIds)
      .where('merged_into', 'is', null)
      .execute(),
    db
      .selectFrom('points_accounts')
      .select(['member_id', 'tier_id', 'available', 'pending', 'lifetime_earned', 'lifetime_redeemed'])
      .select('lifetime_expired')
      .where('workspace_id', '=', workspaceId)
      .where('member_id', 'in', memberIds)
      .execute(),
    loadSets(db, workspaceId, memberIds),
    loadTrackedEvents(db, workspaceId, memberIds, options),
  ]);
  const accountOf = new Map(accounts.map((row) => [row.member_id, row]));
  const facts = new Map<string, MemberFacts>();
  for (const member of members) {
    const account = accountOf.get(member.id);
    facts.set(member.id, {
      memberId: member.id,
      traits: parseJson<Record<string, unknown>>(member.traits),
      features: { ...emptyFeatures(), ...parseJson<Partial<FeatureState>>(member.features) },
      tags: new Set(sets.tagsOf.get(member.id)),
      tier: account?.tier_id ?? null,
      points: {
        available: Number(account?.available ?? 0),
        pending: Number(account?.pending ?? 0),
        lifetimeEarned: Number(account?.lifetime_earned ?? 0),
        lifetimeRedeemed: Number(account?.lifetime_redeemed ?? 0),
        lifetimeExpired: Number(account?.lifetime_expired ?? 0),
      },
      identifierTypes: new Set(sets.identifiersOf.get(member.id)),
      events: events.get(member.id) ?? [],
      lifeStages: sets.stagesOf.get(member.id) ?? [],
      rfmSegment: sets.rfmOf.get(member.id) ?? null,
    });
  }
  return facts;
}

/**
 * What the segment evaluator reads of each member, from the same tables the SQL compiler reads.
 * Merged-away members have no facts: they belong to no segment.
 */
export async function loadMemberFacts(
  db: DbExecutor,
  workspaceId: string,
  memberIds: string[],
  options: FactsOptions = {},
): Promise<Map<string, MemberFacts>> {
  const facts = new Map<string, MemberFacts>();
  for (const chunk of chunks([...new Set(memberIds)])) {
    for (const [id, memberFacts] of await loadChunk(db, workspaceId, chunk, options)) facts.set(id, memberFacts);
  }
  return facts;
}
