import type { ColumnType, Generated } from 'kysely';
import type {
  CouponTemplatesTable,
  CodePoolTable,
  CouponsTable,
  CouponJobsTable,
  BenefitOperationResultsTable,
  ProductCodeBatchesTable,
  ProductCodeScansTable,
  ProductCodeAttemptsTable,
  MemberHomeStoresTable,
  StoresTable,
  StoreBudgetEntriesTable,
  BadgeDefinitionsTable,
  MemberBadgesTable,
  MembershipPlansTable,
  MembershipsTable,
  MembershipPaymentsTable,
  ReferralCodesTable,
  ReferralsTable,
  MemberRewardsTable,
} from './benefits-schema.ts';

/** JSON is text in SQLite and jsonb in PostgreSQL: written as a string, read through `parseJson`. */
export type JsonColumn = ColumnType<unknown, string, string>;

export interface WorkspacesTable {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  phone_region: string;
  identity_settings: JsonColumn;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  kind: 'write' | 'secret';
  key_hash: string;
  key_prefix: string;
  created_at: number;
  revoked_at: number | null;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  message_id: string;
  type: string;
  event_name: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  event_time: number;
  received_at: number;
  sent_at: number | null;
  original_timestamp: number | null;
  payload: JsonColumn;
}

/** Derived: the member the processor attributed an event to; events without one have no row. */
export interface EventMembersTable {
  seq: number;
  workspace_id: string;
  member_id: string;
}

/** Events the quality stage refused: kept in the log, counted by no stage. */
export interface EventRefusalsTable {
  seq: number;
  workspace_id: string;
  event_id: string;
  message_id: string;
  member_id: string | null;
  event_name: string | null;
  event_time: number;
  received_at: number;
  reason: string;
  field: string;
  message: string;
}

export interface DataQualitySettingsTable {
  workspace_id: string;
  limits: string;
  updated_at: number;
}

export interface ProcessorCheckpointsTable {
  name: string;
  position: number;
  updated_at: number;
}

export interface MembersTable {
  id: string;
  workspace_id: string;
  created_at: number;
  created_by_event: string;
  merged_into: string | null;
  traits: JsonColumn;
  trait_times: JsonColumn;
  features: JsonColumn;
  updated_at: number;
}

export interface IdentifiersTable {
  workspace_id: string;
  type: string;
  value: string;
  member_id: string;
  linked_at: number;
  event_id: string;
}

export interface IdentityLogTable {
  seq: Generated<number>;
  workspace_id: string;
  kind: 'created' | 'linked' | 'merged' | 'conflict' | 'split' | 'blocked';
  member_id: string;
  other_member_id: string | null;
  identifier_type: string | null;
  identifier_value: string | null;
  event_id: string;
  at: number;
  detail: JsonColumn;
}

export interface OrdersTable {
  workspace_id: string;
  order_id: string;
  member_id: string;
  completed: number;
  total: number;
  currency: string;
  refunded: number;
  /** A refund with no amount came before the order: all of it is refunded once it arrives. */
  refunded_in_full: number;
  completed_at: number | null;
  event_id: string;
}

export interface LoyaltyProgramsTable {
  workspace_id: string;
  version: number;
  document: JsonColumn;
  created_at: number;
}

export interface LoyaltyActiveProgramsTable {
  workspace_id: string;
  version: number;
  event_id: string;
}

export interface PointsEntriesTable {
  id: string;
  workspace_id: string;
  member_id: string;
  event_id: string;
  kind: string;
  available: number;
  pending: number;
  reserved: number;
  shortfall: number;
  at: number;
  reason: string;
  source_type: string;
  source_id: string | null;
  order_id: string | null;
  lot_id: string | null;
  reservation_id: string | null;
  program_version: number | null;
}

export interface PointsLotsTable {
  id: string;
  workspace_id: string;
  member_id: string;
  points: number;
  remaining: number;
  status: 'pending' | 'active';
  earned_at: number;
  activates_at: number;
  expires_at: number | null;
  order_id: string | null;
  reversed: number;
}

export interface PointsReservationsTable {
  id: string;
  workspace_id: string;
  member_id: string;
  order_id: string;
  points: number;
  expires_at: number;
  allocations: JsonColumn;
}

export interface PointsAccountsTable {
  member_id: string;
  workspace_id: string;
  available: number;
  pending: number;
  reserved: number;
  debt: number;
  shortfall: number;
  lifetime_earned: number;
  lifetime_redeemed: number;
  lifetime_expired: number;
  /** The ledger has applied what time alone does (activation, expiry, hold timeouts) up to here. */
  advanced_to: number;
  tier_id: string | null;
  /** Tier, its history and the monthly activity the value score and tiers read. */
  tier_state: JsonColumn;
  /** The log position the account was last saved at: a cached copy of its ledger is current while this matches. */
  revision: number;
}

export interface LoyaltyRuleUsageTable {
  workspace_id: string;
  rule_id: string;
  /** `total`, or `<member>|d|<local day>`, or `<member>|m|<local month>`. */
  scope: string;
  points: number;
}

export interface MemberLifeStagesTable {
  workspace_id: string;
  member_id: string;
  /** `child-1`, `child-2`: the child's place in the member's `children` trait. */
  child_key: string;
  stage_id: string | null;
  since: number | null;
  /** The stage the child moves to next and when (a local midnight), for "enters stage X within N days". */
  next_stage_id: string | null;
  next_stage_at: number | null;
}

export interface LifeStageLevelsTable {
  workspace_id: string;
  levels: JsonColumn;
  event_id: string;
}

export interface TagDefinitionsTable {
  id: string;
  workspace_id: string;
  family: string;
  name: string;
  kind: string;
  description: string | null;
  created_at: number;
}

export interface MemberTagsTable {
  workspace_id: string;
  tag_id: string;
  member_id: string;
  since: number;
  event_id: string;
}

export interface SegmentsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string | null;
  definition: string;
  tag_id: string | null;
  /** For a value-band tag's segment: the band (JSON) its definition is computed from. */
  band: string | null;
  /** Members now; kept as membership changes, so a list of segments costs no count. */
  size: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface SegmentMembersTable {
  workspace_id: string;
  segment_id: string;
  member_id: string;
  since: number;
}

/** Each customer's RFM segment as of the last daily scoring, for segment definitions. */
export interface MemberRfmTable {
  workspace_id: string;
  member_id: string;
  segment: string;
  score: number;
  scored_at: number;
}

export interface SegmentSizesTable {
  workspace_id: string;
  segment_id: string;
  day: string;
  size: number;
}

export interface TimersTable {
  workspace_id: string;
  /** The stage that set the timer (`loyalty`). */
  owner: string;
  /** What the timer is about, usually a member id. */
  subject: string;
  due_at: number;
}

export interface LoyaltyTierChangesTable {
  id: string;
  workspace_id: string;
  member_id: string;
  from_tier: string | null;
  to_tier: string | null;
  at: number;
  reason: string;
  event_id: string;
}

export interface LoyaltyOperationResultsTable {
  event_id: string;
  workspace_id: string;
  member_id: string;
  status: number;
  body: JsonColumn;
}

export interface DatabaseSchema {
  workspaces: WorkspacesTable;
  api_keys: ApiKeysTable;
  events: EventsTable;
  event_members: EventMembersTable;
  event_refusals: EventRefusalsTable;
  data_quality_settings: DataQualitySettingsTable;
  processor_checkpoints: ProcessorCheckpointsTable;
  members: MembersTable;
  identifiers: IdentifiersTable;
  identity_log: IdentityLogTable;
  orders: OrdersTable;
  loyalty_programs: LoyaltyProgramsTable;
  loyalty_active_programs: LoyaltyActiveProgramsTable;
  points_entries: PointsEntriesTable;
  points_lots: PointsLotsTable;
  points_reservations: PointsReservationsTable;
  points_accounts: PointsAccountsTable;
  loyalty_rule_usage: LoyaltyRuleUsageTable;
  loyalty_orders: OrdersTable;
  loyalty_operation_results: LoyaltyOperationResultsTable;
  loyalty_tier_changes: LoyaltyTierChangesTable;
  timers: TimersTable;
  tag_definitions: TagDefinitionsTable;
  member_tags: MemberTagsTable;
  member_life_stages: MemberLifeStagesTable;
  life_stage_levels: LifeStageLevelsTable;
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  segment_sizes: SegmentSizesTable;
  member_rfm: MemberRfmTable;
  coupon_templates: CouponTemplatesTable;
  code_pool: CodePoolTable;
  coupons: CouponsTable;
  coupon_jobs: CouponJobsTable;
  benefit_operation_results: BenefitOperationResultsTable;
  product_code_batches: ProductCodeBatchesTable;
  product_code_scans: ProductCodeScansTable;
  product_code_attempts: ProductCodeAttemptsTable;
  member_home_stores: MemberHomeStoresTable;
  stores: StoresTable;
  store_budget_entries: StoreBudgetEntriesTable;
  badge_definitions: BadgeDefinitionsTable;
  member_badges: MemberBadgesTable;
  membership_plans: MembershipPlansTable;
  memberships: MembershipsTable;
  membership_payments: MembershipPaymentsTable;
  referral_programs: MembershipPlansTable;
  referral_codes: ReferralCodesTable;
  referrals: ReferralsTable;
  member_rewards: MemberRewardsTable;
}
