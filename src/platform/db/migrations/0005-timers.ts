import type { Kysely } from 'kysely';

/**
 * When time alone will change a stage's state for a subject (a member's points expire, a tier is
 * re-evaluated). Derived state like any other: written with the state in the processing
 * transaction, cleared on replay. The clock ticker polls it by due time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('timers')
    .addColumn('workspace_id', 'text', (column) => column.notNull())
    .addColumn('owner', 'text', (column) => column.notNull())
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('due_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('timers_pk', ['workspace_id', 'owner', 'subject'])
    .execute();
  await db.schema.createIndex('timers_due_idx').on('timers').columns(['workspace_id', 'owner', 'due_at']).execute();
  // The ticker asks every second what is due across workspaces: a range on due_at, not a scan.
  await db.schema.createIndex('timers_due_at_idx').on('timers').column('due_at').execute();
}
