import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.ts';

/** Each child's life stage, derived from the `children` trait and the calendar; and each workspace's levels. */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const json = dialect === 'postgres' ? 'jsonb' : 'text';
  await db.schema
    .createTable('member_life_stages')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('child_key', 'text', (column) => column.notNull())
    .addColumn('stage_id', 'text')
    .addColumn('since', 'bigint')
    .addPrimaryKeyConstraint('member_life_stages_pk', ['workspace_id', 'member_id', 'child_key'])
    .execute();
  await db.schema
    .createIndex('member_life_stages_stage_idx')
    .on('member_life_stages')
    .columns(['workspace_id', 'stage_id'])
    .execute();
  await db.schema
    .createTable('life_stage_levels')
    .addColumn('workspace_id', 'text', (column) => column.primaryKey())
    .addColumn('levels', sql.raw(json), (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .execute();
}
