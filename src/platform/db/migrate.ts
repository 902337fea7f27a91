import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { DialectName } from './database.ts';
import * as foundation from './migrations/0001-foundation.ts';
import * as loyalty from './migrations/0002-loyalty.ts';
import * as fullRefunds from './migrations/0003-full-refunds.ts';
import * as tierChanges from './migrations/0004-tier-changes.ts';
import * as timers from './migrations/0005-timers.ts';
import * as lifeStages from './migrations/0006-life-stages.ts';
import * as tags from './migrations/0007-tags.ts';
import * as eventMembers from './migrations/0008-event-members.ts';
import * as segments from './migrations/0009-segments.ts';
import * as memberRfm from './migrations/0010-member-rfm.ts';
import * as coupons from './migrations/0011-coupons.ts';
import * as productCodes from './migrations/0012-product-codes.ts';
import * as stores from './migrations/0013-stores.ts';
import * as badges from './migrations/0014-badges.ts';
import * as memberships from './migrations/0015-memberships.ts';
import * as referrals from './migrations/0016-referrals.ts';
import * as memberTagsCovering from './migrations/0017-member-tags-covering.ts';
import * as trackEventsIndex from './migrations/0018-track-events-index.ts';
import * as eventRefusals from './migrations/0019-event-refusals.ts';
import * as memberRewards from './migrations/0021-member-rewards.ts';

type DialectMigration = { up(db: Kysely<unknown>, dialect: DialectName): Promise<void> };

/** One ordered list of migrations for both dialects; each receives the dialect for the few types that differ. */
const migrations: Record<string, DialectMigration> = {
  '0001-foundation': foundation,
  '0002-loyalty': loyalty,
  '0003-full-refunds': fullRefunds,
  '0004-tier-changes': tierChanges,
  '0005-timers': timers,
  '0006-life-stages': lifeStages,
  '0007-tags': tags,
  '0008-event-members': eventMembers,
  '0009-segments': segments,
  '0010-member-rfm': memberRfm,
  '0011-coupons': coupons,
  '0012-product-codes': productCodes,
  '0013-stores': stores,
  '0014-badges': badges,
  '0015-memberships': memberships,
  '0016-referrals': referrals,
  '0017-member-tags-covering': memberTagsCovering,
  '0018-track-events-index': trackEventsIndex,
  '0019-event-refusals': eventRefusals,
  '0021-member-rewards': memberRewards,
};

function createProvider(dialect: DialectName): MigrationProvider {
  return {
    async getMigrations() {
      const bound: Record<string, Migration> = {};
      for (const [name, migration] of Object.entries(migrations)) {
        bound[name] = { up: (db) => migration.up(db, dialect) };
      }
      return bound;
    },
  };
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: createProvider(dialect) });
  return applied(await migrator.migrateToLatest());
}

/** Up to and including `name`: a migration's test starts from the schema just before it. */
export async function migrateTo(db: Kysely<unknown>, dialect: DialectName, name: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: createProvider(dialect) });
  return applied(await migrator.migrateTo(name));
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
