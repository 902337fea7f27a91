import type { DbExecutor } from '../../platform/db/database.ts';
import { parseJson, toJson } from '../../platform/db/json.ts';

/** Definitions a workspace saves through the log (badges, membership plans, the referral program): one row per id, the document as JSON. */
type DefinitionTable = 'badge_definitions' | 'membership_plans' | 'referral_programs';

export interface SavedDefinition<T> {
  definition: T;
  createdAt: number;
  updatedAt: number;
}

export async function loadDefinitions<T>(
  db: DbExecutor,
  table: DefinitionTable,
  workspaceId: string,
): Promise<Map<string, SavedDefinition<T>>> {
  const rows = await db
    .selectFrom(table)
    .select(['id', 'definition', 'created_at', 'updated_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  return new Map(
    rows.map((row) => [
      row.id,
      {
        definition: parseJson<T>(row.definition),
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
      },
    ]),
  );
}

export async function saveDefinition<T>(
  db: DbExecutor,
  table: DefinitionTable,
  row: { workspaceId: string; id: string; saved: SavedDefinition<T> },
): Promise<void> {
  const changes = { definition: toJson(row.saved.definition), updated_at: row.saved.updatedAt };
  await db
    .insertInto(table)
    .values({ workspace_id: row.workspaceId, id: row.id, created_at: row.saved.createdAt, ...changes })
    .onConflict((conflict) => conflict.columns(['workspace_id', 'id']).doUpdateSet(changes))
    .execute();
}
