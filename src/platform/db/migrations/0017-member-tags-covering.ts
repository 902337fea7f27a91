import type { Kysely } from 'kysely';

/**
 * A member's tags are read by member (`workspace_id`, `member_id` in a list). With the old index
 * on those two columns alone, SQLite's planner, which has no statistics, preferred scanning the
 * primary key's covering index over the whole workspace: 31 ms per processed event once a
 * workspace held 400,000 tag memberships. An index that also covers `tag_id` is both selective
 * and covering, so the planner takes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('member_tags_member_idx').execute();
  await db.schema
    .createIndex('member_tags_member_idx')
    .on('member_tags')
    .columns(['workspace_id', 'member_id', 'tag_id'])
    .execute();
}
