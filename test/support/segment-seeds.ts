import type { DbExecutor } from '../../src/platform/db/database.ts';
import { toJson } from '../../src/platform/db/json.ts';

/**
 * Members as the segment tables hold them, written straight into those tables (no processor):
 * the segment tests control every fact, including the odd ones the processor never writes.
 */
export interface MemberSeed {
  id: string;
  merged?: boolean;
  traits?: Record<string, unknown>;
  /** Stored as is: keys may be missing, as in rows written before a feature existed. */
  features?: Record<string, unknown>;
  tags?: string[];
  account?: AccountSeed | null;
  identifiers?: Array<{ type: string; value: string }>;
  events?: EventSeed[];
  lifeStages?: LifeStageSeed[];
  /** The member's scored RFM segment (member_rfm); none when absent. */
  rfmSegment?: string | null;
}

export interface AccountSeed {
  tier: string | null;
  available: number;
  pending: number;
  lifetimeEarned: number;
  lifetimeRedeemed: number;
  lifetimeExpired: number;
}

export interface EventSeed {
  name: string;
  /** `track` counts; `page` and `identify` events with the same name must not. */
  type: string;
  time: number;
  /** What the payload carries under `properties`: usually an object, sometimes not. */
  properties?: unknown;
}

export interface LifeStageSeed {
  stageId: string | null;
  nextStageId: string | null;
  nextStageAt: number | null;
}

let nextSeq = 1;

function eventRows(workspaceId: string, members: readonly MemberSeed[]) {
  const events = [];
  const attributions = [];
  for (const member of members) {
    for (const event of member.events ?? []) {
      const seq = nextSeq++;
      const id = `evt-${workspaceId}-${seq}`;
      const payload = event.properties === undefined ? {} : { properties: event.properties };
      events.push({
        seq,
        id,
        workspace_id: workspaceId,
        message_id: id,
        type: event.type,
        event_name: event.name,
        user_id: null,
        anonymous_id: member.id,
        event_time: event.time,
        received_at: event.time,
        sent_at: null,
        original_timestamp: null,
        payload: toJson(payload),
      });
      attributions.push({ seq, workspace_id: workspaceId, member_id: member.id });
    }
  }
  return { events, attributions };
}

function memberRow(workspaceId: string, member: MemberSeed) {
  return {
    id: member.id,
    workspace_id: workspaceId,
    created_at: 0,
    created_by_event: 'seed',
    merged_into: member.merged ? 'someone-else' : null,
    traits: toJson(member.traits ?? {}),
    trait_times: toJson({}),
    features: toJson(member.features ?? {}),
    updated_at: 0,
  };
}

function accountRow(workspaceId: string, memberId: string, account: AccountSeed) {
  return {
    member_id: memberId,
    workspace_id: workspaceId,
    available: account.available,
    pending: account.pending,
    reserved: 0,
    debt: 0,
    shortfall: 0,
    lifetime_earned: account.lifetimeEarned,
    lifetime_redeemed: account.lifetimeRedeemed,
    lifetime_expired: account.lifetimeExpired,
    advanced_to: 0,
    tier_id: account.tier,
    tier_state: toJson({}),
    revision: 0,
  };
}

async function insertChunked<Row>(rows: Row[], insert: (chunk: Row[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += 200) await insert(rows.slice(start, start + 200));
}

function factRows(workspaceId: string, members: readonly MemberSeed[]) {
  const tags = members.flatMap((member) =>
    [...new Set(member.tags ?? [])].map((tag) => ({
      workspace_id: workspaceId,
      tag_id: tag,
      member_id: member.id,
      since: 0,
      event_id: 'seed',
    })),
  );
  const identifiers = members.flatMap((member) =>
    (member.identifiers ?? []).map((identifier) => ({
      workspace_id: workspaceId,
      ...identifier,
      member_id: member.id,
      linked_at: 0,
      event_id: 'seed',
    })),
  );
  const stages = members.flatMap((member) =>
    (member.lifeStages ?? []).map((stage, index) => ({
      workspace_id: workspaceId,
      member_id: member.id,
      child_key: `child-${index + 1}`,
      stage_id: stage.stageId,
      since: null,
      next_stage_id: stage.nextStageId,
      next_stage_at: stage.nextStageAt,
    })),
  );
  const accounts = members.flatMap((member) =>
    member.account ? [accountRow(workspaceId, member.id, member.account)] : [],
  );
  const rfm = members.flatMap((member) =>
    member.rfmSegment
      ? [{ workspace_id: workspaceId, member_id: member.id, segment: member.rfmSegment, score: 111, scored_at: 0 }]
      : [],
  );
  return { tags, identifiers, stages, accounts, rfm, ...eventRows(workspaceId, members) };
}

async function insertFacts(db: DbExecutor, rows: ReturnType<typeof factRows>): Promise<void> {
  await insertChunked(rows.tags, (chunk) => db.insertInto('member_tags').values(chunk).execute());
  await insertChunked(rows.identifiers, (chunk) => db.insertInto('identifiers').values(chunk).execute());
  await insertChunked(rows.stages, (chunk) => db.insertInto('member_life_stages').values(chunk).execute());
  await insertChunked(rows.accounts, (chunk) => db.insertInto('points_accounts').values(chunk).execute());
  await insertChunked(rows.rfm, (chunk) => db.insertInto('member_rfm').values(chunk).execute());
  await insertChunked(rows.events, (chunk) => db.insertInto('events').values(chunk).execute());
  await insertChunked(rows.attributions, (chunk) => db.insertInto('event_members').values(chunk).execute());
}

/** Writes the members and all their facts into the workspace. */
export async function seedMembers(db: DbExecutor, workspaceId: string, members: readonly MemberSeed[]) {
  const rows = members.map((member) => memberRow(workspaceId, member));
  await insertChunked(rows, (chunk) => db.insertInto('members').values(chunk).execute());
  await insertFacts(db, factRows(workspaceId, members));
}

/**
 * The same member ids with facts in another workspace (tags, identifiers, life stages, RFM, events;
 * no member rows, no accounts): a compiler that forgot a workspace filter would count them.
 */
export async function seedNeighbour(db: DbExecutor, workspaceId: string, memberIds: readonly string[]) {
  const foreign: MemberSeed[] = memberIds.map((id) => ({
    id,
    tags: ['t1', 't2'],
    identifiers: [{ type: 'email', value: `${id}@neighbour` }],
    lifeStages: [{ stageId: 'infant', nextStageId: 'toddler', nextStageAt: 0 }],
    rfmSegment: 'Champions',
    events: [
      { name: 'Order Completed', type: 'track', time: 0, properties: { store_id: 's1' } },
      { name: 'Page Viewed', type: 'track', time: 0 },
    ],
  }));
  await insertFacts(db, factRows(workspaceId, foreign));
}
