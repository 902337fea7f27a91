import { sql, type ExpressionBuilder } from 'kysely';
import type { DbExecutor } from '../../platform/db/database.ts';
import type { DatabaseSchema } from '../../platform/db/schema.ts';
import type { Coupon, CouponStatus } from './coupon-rules.ts';
import { toCoupon } from './coupons.repo.ts';

/** What the coupons API reads: a member's coupons by status as of now, and the figures of a template. */

type CouponsBuilder = ExpressionBuilder<DatabaseSchema, 'coupons'>;

/** The stored status and the clock together give the status a member sees (a hold lapses, a coupon expires). */
function statusIs(eb: CouponsBuilder, status: CouponStatus, now: number) {
  const live = eb('valid_until', '>', now);
  const held = eb.and([eb('status', '=', 'reserved'), eb('reserved_until', '>', now)]);
  switch (status) {
    case 'redeemed':
    case 'revoked':
      return eb('status', '=', status);
    case 'expired':
      return eb.and([eb('status', 'in', ['issued', 'collected', 'reserved']), eb('valid_until', '<=', now)]);
    case 'issued':
      return eb.and([eb('status', '=', 'issued'), live]);
    case 'reserved':
      return eb.and([held, live]);
    case 'collected':
      return eb.and([
        live,
        eb.or([
          eb('status', '=', 'collected'),
          eb.and([eb('status', '=', 'reserved'), eb('reserved_until', '<=', now)]),
        ]),
      ]);
  }
}

export async function readMemberCoupons(
  db: DbExecutor,
  memberId: string,
  page: { status?: CouponStatus | undefined; now: number; limit: number; beforeId?: string | undefined },
): Promise<Coupon[]> {
  let query = db.selectFrom('coupons').selectAll().where('member_id', '=', memberId);
  if (page.status) {
    const status = page.status;
    query = query.where((eb) => statusIs(eb, status, page.now));
  }
  if (page.beforeId) query = query.where('id', '<', page.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(page.limit).execute();
  return rows.map(toCoupon);
}

export async function readCoupon(db: DbExecutor, workspaceId: string, couponId: string): Promise<Coupon | undefined> {
  const row = await db
    .selectFrom('coupons')
    .selectAll()
    .where('id', '=', couponId)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row ? toCoupon(row) : undefined;
}

export interface CohortCounts {
  cohort: string;
  issued: number;
  collected: number;
  redeemed: number;
  expired: number;
  revoked: number;
  discountCost: number;
  attributedRevenue: number;
}

export async function readCohortCounts(db: DbExecutor, templateId: string, now: number): Promise<CohortCounts[]> {
  const count = (condition: ReturnType<typeof sql>) => sql<number>`sum(case when ${condition} then 1 else 0 end)`;
  const rows = await db
    .selectFrom('coupons')
    .select([
      'cohort',
      (eb) => eb.fn.countAll<number>().as('issued'),
      count(sql`collected_at is not null`).as('collected'),
      count(sql`status = 'redeemed'`).as('redeemed'),
      count(sql`status = 'revoked'`).as('revoked'),
      count(sql`status in ('issued', 'collected', 'reserved') and valid_until <= ${now}`).as('expired'),
      sql<number>`coalesce(sum(case when status = 'redeemed' then discount else 0 end), 0)`.as('discount_cost'),
      sql<number>`coalesce(sum(case when status = 'redeemed' then order_total else 0 end), 0)`.as('revenue'),
    ])
    .where('template_id', '=', templateId)
    .groupBy('cohort')
    .orderBy('cohort')
    .execute();
  return rows.map((row) => ({
    cohort: row.cohort,
    issued: Number(row.issued),
    collected: Number(row.collected),
    redeemed: Number(row.redeemed),
    expired: Number(row.expired),
    revoked: Number(row.revoked),
    discountCost: Number(row.discount_cost),
    attributedRevenue: Number(row.revenue),
  }));
}
