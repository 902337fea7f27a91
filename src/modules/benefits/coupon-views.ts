import type { JobState, TemplateState } from './coupon-state.ts';
import type { CouponJob } from './coupons.schema.ts';
import type { couponTemplateSchema } from './coupons.schema.ts';
import type { z } from 'zod';

export type TemplateView = z.infer<typeof couponTemplateSchema>;

const iso = (instant: number) => new Date(instant).toISOString();

export function toTemplateView(template: TemplateState, codesAvailable: number): TemplateView {
  const { quantity } = template.definition;
  return {
    ...template.definition,
    id: template.id,
    issued: template.issued,
    remaining: quantity === undefined ? null : Math.max(0, quantity - template.issued),
    codesAvailable,
    createdAt: iso(template.createdAt),
    updatedAt: iso(template.updatedAt),
  };
}

export function toJobView(job: JobState): CouponJob {
  return {
    id: job.id,
    templateId: job.templateId,
    target: job.target,
    cohort: job.cohort,
    total: job.total,
    processed: job.processed,
    issued: job.issued,
    skipped: job.skipped,
    done: job.processed >= job.total,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
  };
}
