import type { JsonColumn } from './schema.ts';

/** Tables of the benefits and stores modules (coupons, codes, badges, memberships, referrals, stores). */

export interface CouponTemplatesTable {
  id: string;
  workspace_id: string;
  name: string;
  definition: string;
  shared_code: string | null;
  issued: number;
  code_position: number;
  available_position: number;
  created_at: number;
  updated_at: number;
}

export interface CodePoolTable {
  workspace_id: string;
  code: string;
  owner_id: string;
  position: number;
}

export interface CouponsTable {
  id: string;
  workspace_id: string;
  template_id: string;
  member_id: string;
  code: string;
  status: string;
  cohort: string;
  job_id: string | null;
  issued_at: number;
  collected_at: number | null;
  valid_from: number;
  valid_until: number;
  order_id: string | null;
  reserved_until: number | null;
  discount: number | null;
  order_total: number | null;
  redeemed_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
  event_id: string;
}

export interface CouponJobsTable {
  id: string;
  workspace_id: string;
  template_id: string;
  target: string;
  cohort: string;
  total: number;
  processed: number;
  issued: number;
  skipped: string;
  created_at: number;
  updated_at: number;
}

export interface BenefitOperationResultsTable {
  event_id: string;
  workspace_id: string;
  status: number;
  body: JsonColumn;
}

export interface ProductCodeBatchesTable {
  id: string;
  workspace_id: string;
  name: string;
  worth: string;
  size: number;
  scanned: number;
  binds_store: number;
  created_at: number;
}

export interface ProductCodeScansTable {
  workspace_id: string;
  code: string;
  batch_id: string;
  member_id: string;
  at: number;
  channel: string | null;
  location: string | null;
  store: string | null;
  event_id: string;
}

export interface ProductCodeAttemptsTable {
  workspace_id: string;
  member_id: string;
  at: number;
  code: string;
  event_id: string;
}

export interface MemberHomeStoresTable {
  member_id: string;
  workspace_id: string;
  store: string;
  bound_at: number;
  source: string;
  guide: string | null;
}

export interface StoresTable {
  workspace_id: string;
  id: string;
  name: string;
  kind: string;
  dealer_id: string | null;
  membership: string;
  budget: number;
  created_at: number;
  updated_at: number;
}

export interface StoreBudgetEntriesTable {
  id: string;
  workspace_id: string;
  store_id: string;
  kind: string;
  points: number;
  member_id: string | null;
  reason: string;
  reference: string | null;
  at: number;
  event_id: string;
}

export interface BadgeDefinitionsTable {
  workspace_id: string;
  id: string;
  definition: string;
  created_at: number;
  updated_at: number;
}

export interface MemberBadgesTable {
  workspace_id: string;
  member_id: string;
  badge_id: string;
  level_index: number;
  level: string | null;
  value: number;
  contributions: string;
  awarded_at: number | null;
  updated_at: number;
}

export interface MembershipPlansTable {
  workspace_id: string;
  id: string;
  definition: string;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  member_id: string;
  workspace_id: string;
  plan_id: string;
  status: string;
  period_start: number;
  period_end: number;
  cancel_at_period_end: number;
  trial_used: number;
  next_pack_at: number | null;
}

export interface MembershipPaymentsTable {
  workspace_id: string;
  reference: string;
  member_id: string;
  plan_id: string;
  kind: string;
  amount: number;
  at: number;
  refunded_at: number | null;
  event_id: string;
}

export interface ReferralCodesTable {
  workspace_id: string;
  code: string;
  member_id: string;
  created_at: number;
}

export interface ReferralsTable {
  referee_id: string;
  workspace_id: string;
  referrer_id: string;
  code: string;
  linked_at: number;
  status: string;
  order_id: string | null;
  order_total: number | null;
  qualified_at: number | null;
  rewarded_at: number | null;
  referrer_rewarded: number;
  event_id: string;
}

/** A reward a benefit made a member due, granted or not (with the typed reason). */
export interface MemberRewardsTable {
  id: string;
  workspace_id: string;
  member_id: string;
  source: string;
  kind: string;
  template_id: string | null;
  points: number | null;
  status: string;
  reason: string | null;
  message: string | null;
  coupon_id: string | null;
  at: number;
  event_id: string;
}
