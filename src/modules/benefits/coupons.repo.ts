import type { DbExecutor } from '../../platform/db/database.ts';
import { chunks } from '../../platform/db/chunks.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';
import type { CouponsTable } from '../../platform/db/benefits-schema.ts';
import type { ProcessingBatch } from '../../platform/processor/stage.ts';
import type { Coupon, StoredCouponStatus } from './coupon-rules.ts';
import type { JobState, OperationAnswer, PoolCode, TemplateState } from './coupon-state.ts';
import type { CouponTemplateDefinition } from './coupon-template.schema.ts';

/** Loads and saves what the coupons stage derives; queries only. */

const rowsPerInsert = 200;

export async function loadTemplates(db: DbExecutor, workspaceId: string): Promise<Map<string, TemplateState>> {
  const rows = await db.selectFrom('coupon_templates').selectAll().where('workspace_id', '=', workspaceId).execute();
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        name: row.name,
        definition: parseJson<CouponTemplateDefinition>(row.definition),
        sharedCode: row.shared_code,
        issued: Number(row.issued),
        codePosition: Number(row.code_position),
        availablePosition: Number(row.available_position),
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
      },
    ]),
  );
}

export async function saveTemplates(db: DbExecutor, workspaceId: string, templates: TemplateState[]): Promise<void> {
  for (const template of templates) {
    const row = {
      id: template.id,
      workspace_id: workspaceId,
      name: template.name,
      definition: toJson(template.definition),
      shared_code: template.sharedCode,
      issued: template.issued,
      code_position: template.codePosition,
      available_position: template.availablePosition,
      created_at: template.createdAt,
      updated_at: template.updatedAt,
    };
    const { id: _id, workspace_id: _workspace, created_at: _created, ...changes } = row;
    await db
      .insertInto('coupon_templates')
      .values(row)
      .onConflict((conflict) => conflict.column('id').doUpdateSet(changes))
      .execute();
  }
}

export function toCoupon(row: CouponsTable): Coupon {
  const orNull = (value: number | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    templateId: row.template_id,
    memberId: row.member_id,
    code: row.code,
    status: row.status as StoredCouponStatus,
    cohort: row.cohort,
    jobId: row.job_id,
    issuedAt: Number(row.issued_at),
    collectedAt: orNull(row.collected_at),
    validFrom: Number(row.valid_from),
    validUntil: Number(row.valid_until),
    orderId: row.order_id,
    reservedUntil: orNull(row.reserved_until),
    discount: orNull(row.discount),
    orderTotal: orNull(row.order_total),
    redeemedAt: orNull(row.redeemed_at),
    revokedAt: orNull(row.revoked_at),
    revokedReason: row.revoked_reason,
    eventId: row.event_id,
  };
}

function toRow(workspaceId: string, coupon: Coupon): CouponsTable {
  return {
    id: coupon.id,
    workspace_id: workspaceId,
    template_id: coupon.templateId,
    member_id: coupon.memberId,
    code: coupon.code,
    status: coupon.status,
    cohort: coupon.cohort,
    job_id: coupon.jobId,
    issued_at: coupon.issuedAt,
    collected_at: coupon.collectedAt,
    valid_from: coupon.validFrom,
    valid_until: coupon.validUntil,
    order_id: coupon.orderId,
    reserved_until: coupon.reservedUntil,
    discount: coupon.discount,
    order_total: coupon.orderTotal,
    redeemed_at: coupon.redeemedAt,
    revoked_at: coupon.revokedAt,
    revoked_reason: coupon.revokedReason,
    event_id: coupon.eventId,
  };
}

export async function saveCoupons(db: DbExecutor, workspaceId: string, coupons: Coupon[]): Promise<void> {
  for (const chunk of chunks(coupons, rowsPerInsert)) {
    await db
      .insertInto('coupons')
      .values(chunk.map((coupon) => toRow(workspaceId, coupon)))
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          member_id: eb.ref('excluded.member_id'),
          status: eb.ref('excluded.status'),
          collected_at: eb.ref('excluded.collected_at'),
          order_id: eb.ref('excluded.order_id'),
          reserved_until: eb.ref('excluded.reserved_until'),
          discount: eb.ref('excluded.discount'),
          order_total: eb.ref('excluded.order_total'),
          redeemed_at: eb.ref('excluded.redeemed_at'),
          revoked_at: eb.ref('excluded.revoked_at'),
          revoked_reason: eb.ref('excluded.revoked_reason'),
        })),
      )
      .execute();
  }
}

/** The coupons an operation names, the ones on the batch's orders, and the members' own with the codes they used. */
export async function loadCoupons(
  db: DbExecutor,
  workspaceId: string,
  wanted: { ids: string[]; orderIds: string[]; memberCodes: { memberIds: string[]; codes: string[] } },
): Promise<Coupon[]> {
  const found = new Map<string, Coupon>();
  const keep = (rows: CouponsTable[]) => {
    for (const row of rows) found.set(row.id, toCoupon(row));
  };
  for (const chunk of chunks(wanted.ids)) {
    keep(await db.selectFrom('coupons').selectAll().where('id', 'in', chunk).execute());
  }
  for (const chunk of chunks(wanted.orderIds)) {
    keep(
      await db
        .selectFrom('coupons')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('order_id', 'in', chunk)
        .execute(),
    );
  }
  const { memberIds, codes } = wanted.memberCodes;
  if (codes.length > 0) {
    for (const chunk of chunks(memberIds)) {
      keep(
        await db.selectFrom('coupons').selectAll().where('member_id', 'in', chunk).where('code', 'in', codes).execute(),
      );
    }
  }
  return [...found.values()];
}

/** How many coupons of each template each member holds (revoked ones do not count). */
export async function loadHeld(
  db: DbExecutor,
  templateIds: string[],
  memberIds: string[],
): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  if (templateIds.length === 0) return held;
  for (const chunk of chunks(memberIds)) {
    const rows = await db
      .selectFrom('coupons')
      .select(['template_id', 'member_id', (eb) => eb.fn.countAll<number>().as('count')])
      .where('member_id', 'in', chunk)
      .where('template_id', 'in', templateIds)
      .where('status', '!=', 'revoked')
      .groupBy(['template_id', 'member_id'])
      .execute();
    for (const row of rows) held.set(`${row.template_id}|${row.member_id}`, Number(row.count));
  }
  return held;
}

/** Pool codes members typed, and which of them a coupon already carries. */
export async function loadNamedCodes(
  db: DbExecutor,
  workspaceId: string,
  codes: string[],
): Promise<{ named: PoolCode[]; taken: string[] }> {
  const named: PoolCode[] = [];
  const taken: string[] = [];
  for (const chunk of chunks(codes)) {
    const rows = await db
      .selectFrom('code_pool')
      .select(['code', 'owner_id', 'position'])
      .where('workspace_id', '=', workspaceId)
      .where('code', 'in', chunk)
      .execute();
    named.push(...rows.map((row) => ({ code: row.code, templateId: row.owner_id, position: Number(row.position) })));
    const used = await db
      .selectFrom('coupons')
      .select('code')
      .distinct()
      .where('workspace_id', '=', workspaceId)
      .where('code', 'in', chunk)
      .execute();
    taken.push(...used.map((row) => row.code));
  }
  return { named, taken };
}

export async function loadJobs(db: DbExecutor, ids: string[]): Promise<JobState[]> {
  const rows = ids.length === 0 ? [] : await db.selectFrom('coupon_jobs').selectAll().where('id', 'in', ids).execute();
  return rows.map((row) => ({
    id: row.id,
    templateId: row.template_id,
    target: row.target,
    cohort: row.cohort,
    total: Number(row.total),
    processed: Number(row.processed),
    issued: Number(row.issued),
    skipped: parseJson<Record<string, number>>(row.skipped),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }));
}

export async function saveJobs(db: DbExecutor, workspaceId: string, jobs: JobState[]): Promise<void> {
  for (const job of jobs) {
    const changes = {
      processed: job.processed,
      issued: job.issued,
      skipped: toJson(job.skipped),
      updated_at: job.updatedAt,
    };
    await db
      .insertInto('coupon_jobs')
      .values({
        id: job.id,
        workspace_id: workspaceId,
        template_id: job.templateId,
        target: job.target,
        cohort: job.cohort,
        total: job.total,
        created_at: job.createdAt,
        ...changes,
      })
      .onConflict((conflict) => conflict.column('id').doUpdateSet(changes))
      .execute();
  }
}

/** Stores the answers (for retries and other processes) and hands them to this process's waiting requests. */
export async function saveAnswers(
  batch: ProcessingBatch,
  workspaceId: string,
  answers: Map<string, OperationAnswer>,
): Promise<void> {
  const db = batch.transaction;
  for (const [eventId, answer] of answers) batch.answers.set(eventId, answer);
  const rows = [...answers].map(([eventId, answer]) => ({
    event_id: eventId,
    workspace_id: workspaceId,
    status: answer.status,
    body: toJson(answer.body),
  }));
  for (const chunk of chunks(rows, rowsPerInsert)) {
    await db.insertInto('benefit_operation_results').values(chunk).execute();
  }
}

export async function readAnswer(db: DbExecutor, eventId: string): Promise<OperationAnswer | undefined> {
  const row = await db
    .selectFrom('benefit_operation_results')
    .select(['status', 'body'])
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row ? { status: row.status, body: parseJson<Record<string, unknown>>(row.body) } : undefined;
}

/** The tables whose rows `reassignCoupons` moves: a merged member with none needs nothing. */
export const memberStateTables = ['coupons'] as const;

export async function reassignCoupons(db: DbExecutor, mergedId: string, survivorId: string): Promise<void> {
  await db.updateTable('coupons').set({ member_id: survivorId }).where('member_id', '=', mergedId).execute();
}

/** Everything the coupons stage derives; code pools are configuration and stay. */
export const couponDerivedTables = ['coupon_templates', 'coupons', 'coupon_jobs', 'benefit_operation_results'] as const;

/** The workspace a template belongs to, for commands that name only the template. */
export async function findTemplateWorkspace(db: DbExecutor, templateId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('coupon_templates')
    .select('workspace_id')
    .where('id', '=', templateId)
    .executeTakeFirst();
  return row?.workspace_id;
}
