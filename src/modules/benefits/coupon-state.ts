import type { DerivedEvent } from '../../platform/processor/stage.ts';
import type { Coupon } from './coupon-rules.ts';
import type { CouponTemplateDefinition } from './coupon-template.schema.ts';
import type { CouponView } from './coupons.schema.ts';
import type { OperationAnswer } from '../../platform/processor/operation-answers.ts';

/** What the coupons stage holds of one workspace while it folds a batch: loaded, decided, saved. */

export interface TemplateState {
  id: string;
  name: string;
  definition: CouponTemplateDefinition;
  sharedCode: string | null;
  issued: number;
  codePosition: number;
  availablePosition: number;
  createdAt: number;
  updatedAt: number;
}

export interface JobState {
  id: string;
  templateId: string;
  target: string;
  cohort: string;
  total: number;
  processed: number;
  issued: number;
  skipped: Record<string, number>;
  createdAt: number;
  updatedAt: number;
}

export interface PoolCode {
  code: string;
  templateId: string;
  position: number;
}

export type { OperationAnswer };

export interface CouponFoldState {
  workspaceId: string;
  currency: string;
  templates: Map<string, TemplateState>;
  coupons: Map<string, Coupon>;
  /** Coupons each member holds of each template (revoked ones aside), by `templateId|memberId`. */
  held: Map<string, number>;
  /** Each template's next free pool codes, in hand-out order. */
  pools: Map<string, PoolCode[]>;
  /** Pool codes named by claims and order events, by code. */
  namedCodes: Map<string, PoolCode>;
  /** Pool codes some coupon carries (loaded for the named ones, and added as they are handed out). */
  takenCodes: Set<string>;
  jobs: Map<string, JobState>;
  tiers: Map<string, string | null>;
  survivorOf(memberId: string): string;
  changedTemplates: Set<string>;
  changedCoupons: Set<string>;
  changedJobs: Set<string>;
  answers: Map<string, OperationAnswer>;
  derivedEvents: DerivedEvent[];
}

export function heldKey(templateId: string, memberId: string): string {
  return `${templateId}|${memberId}`;
}

const iso = (instant: number | null): string | null => (instant === null ? null : new Date(instant).toISOString());

export function toCouponView(coupon: Coupon, status: CouponView['status']): CouponView {
  return {
    id: coupon.id,
    templateId: coupon.templateId,
    memberId: coupon.memberId,
    code: coupon.code,
    status,
    cohort: coupon.cohort,
    jobId: coupon.jobId,
    issuedAt: new Date(coupon.issuedAt).toISOString(),
    collectedAt: iso(coupon.collectedAt),
    validFrom: new Date(coupon.validFrom).toISOString(),
    validUntil: new Date(coupon.validUntil).toISOString(),
    orderId: coupon.orderId,
    reservedUntil: iso(coupon.reservedUntil),
    discount: coupon.discount,
    orderTotal: coupon.orderTotal,
    redeemedAt: iso(coupon.redeemedAt),
    revokedAt: iso(coupon.revokedAt),
    revokedReason: coupon.revokedReason,
  };
}
