import { sql } from 'kysely';
import type { Database, DbExecutor } from '../../platform/db/database.ts';
import { chunks } from '../../platform/db/chunks.ts';
import type { PoolCode, TemplateState } from './coupon-state.ts';

/**
 * A code pool (a coupon template's or a product code batch's): configuration, appended to and never rewritten, so a replay hands out
 * the same codes. Each chunk commits on its own, so a million codes never hold the write lock
 * for long; positions are read afresh in each chunk under a lock on the template.
 */

const rowsPerStatement = 1_000;

async function lockTemplate(database: Database, transaction: DbExecutor, ownerId: string): Promise<void> {
  // SQLite transactions already run one at a time; PostgreSQL needs the template locked.
  if (database.dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext(${ownerId}))`.execute(transaction);
}

export async function lastPosition(db: DbExecutor, ownerId: string): Promise<number> {
  const row = await db
    .selectFrom('code_pool')
    .select((eb) => eb.fn.max('position').as('last'))
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}

/** Adds codes to the pool after its last position; codes the workspace already has are left out. */
export async function addCodes(
  database: Database,
  workspaceId: string,
  ownerId: string,
  codes: string[],
): Promise<{ added: number; throughPosition: number }> {
  let added = 0;
  let throughPosition = 0;
  for (const chunk of chunks(codes, rowsPerStatement * 20)) {
    await database.db.transaction().execute(async (transaction) => {
      await lockTemplate(database, transaction, ownerId);
      let position = await lastPosition(transaction, ownerId);
      for (const statement of chunks(chunk, rowsPerStatement)) {
        const rows = statement.map((code) => ({
          workspace_id: workspaceId,
          code,
          owner_id: ownerId,
          position: (position += 1),
        }));
        const result = await transaction
          .insertInto('code_pool')
          .values(rows)
          .onConflict((conflict) => conflict.columns(['workspace_id', 'code']).doNothing())
          .executeTakeFirst();
        added += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      throughPosition = position;
    });
  }
  return { added, throughPosition };
}

type PoolRange = Pick<TemplateState, 'id' | 'codePosition' | 'availablePosition'>;

/** A template's pool codes past those handed out, up to what the log made available, that no coupon carries. */
function freeCodes(db: DbExecutor, workspaceId: string, template: PoolRange) {
  return db
    .selectFrom('code_pool as pool')
    .where('pool.owner_id', '=', template.id)
    .where('pool.position', '>', template.codePosition)
    .where('pool.position', '<=', template.availablePosition)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('coupons')
            .select(sql.lit(1).as('one'))
            .where('coupons.workspace_id', '=', workspaceId)
            .whereRef('coupons.code', '=', 'pool.code'),
        ),
      ),
    );
}

export async function countAvailableCodes(db: DbExecutor, workspaceId: string, template: PoolRange): Promise<number> {
  const row = await freeCodes(db, workspaceId, template)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** The next free codes in hand-out order. */
export async function loadPool(
  db: DbExecutor,
  template: PoolRange,
  wanted: number,
  workspaceId: string,
): Promise<PoolCode[]> {
  const rows = await freeCodes(db, workspaceId, template)
    .select(['pool.code', 'pool.position'])
    .orderBy('pool.position')
    .limit(wanted)
    .execute();
  return rows.map((row) => ({ code: row.code, templateId: template.id, position: Number(row.position) }));
}

/** The pool in position order, a page at a time, with the member holding each code (if any). */
export async function readCodesPage(
  db: DbExecutor,
  workspaceId: string,
  ownerId: string,
  afterPosition: number,
  limit: number,
): Promise<Array<{ code: string; position: number; memberId: string | null; status: string | null }>> {
  const rows = await db
    .selectFrom('code_pool as pool')
    .leftJoin('coupons', (join) =>
      join.onRef('coupons.code', '=', 'pool.code').on('coupons.workspace_id', '=', workspaceId),
    )
    .select(['pool.code', 'pool.position', 'coupons.member_id', 'coupons.status'])
    .where('pool.owner_id', '=', ownerId)
    .where('pool.position', '>', afterPosition)
    .orderBy('pool.position')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    code: row.code,
    position: Number(row.position),
    memberId: row.member_id,
    status: row.status,
  }));
}

/** Walks a pool in position order, a page at a time (an export of a million codes never sits in memory). */
export async function* walkPool<T extends { position: number }>(
  readPage: (afterPosition: number) => Promise<T[]>,
): AsyncGenerator<T> {
  for (let after = 0; ;) {
    const page = await readPage(after);
    yield* page;
    const last = page.at(-1);
    if (!last) return;
    after = last.position;
  }
}
