import { systemClock, type Clock } from './platform/clock.ts';
import { openDatabase, type Database } from './platform/db/database.ts';
import { createLogger, type Logger } from './platform/log.ts';
import { createProcessor, type Processor } from './platform/processor/processor.ts';
import type { Stage } from './platform/processor/stage.ts';
import { createEventLogWriter, type EventLogWriter } from './modules/ingest/event-log-writer.ts';
import { readEventsAfter } from './modules/ingest/event-log.repo.ts';
import { createThreadedEventLogWriter } from './modules/ingest/threaded-log-writer.ts';
import { createSqliteLogReader } from './modules/ingest/sqlite-log-reader.ts';
import { createIngestService, type IngestService } from './modules/ingest/ingest.service.ts';
import { createWorkspaceService, type WorkspaceService } from './modules/workspaces/workspaces.service.ts';
import { createIdentityStage } from './modules/identity/identity.stage.ts';
import { createIdentityService, type IdentityService } from './modules/identity/identity.service.ts';
import { createProfilesStage } from './modules/profiles/profiles.stage.ts';
import { createProfilesService, type ProfilesService } from './modules/profiles/profiles.service.ts';
import { findSurvivors, loadMemberViews } from './modules/profiles/member-views.ts';
import { createLoyaltyStage } from './modules/loyalty/loyalty.stage.ts';
import { createLoyaltyService, type LoyaltyService } from './modules/loyalty/loyalty.service.ts';

export interface Runtime {
  database: Database;
  clock: Clock;
  logger: Logger;
  workspaces: WorkspaceService;
  writer: EventLogWriter;
  ingest: IngestService;
  processor: Processor;
  identity: IdentityService;
  profiles: ProfilesService;
  loyalty: LoyaltyService;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  database: string;
  logLevel?: string;
  clock?: Clock;
  logger?: Logger;
  /** Events per processing transaction. */
  batchSize?: number;
  maxPendingEvents?: number;
}

/** The composition root: platform pieces and modules wired once, for the server, the worker and the CLI. */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
  const database = await openDatabase(options.database);
  const workspaces = createWorkspaceService(database, clock);
  const stages: Stage[] = [
    createIdentityStage({ workspaces }),
    createProfilesStage({ workspaces }),
    createLoyaltyStage({ workspaces, views: { load: loadMemberViews, survivors: findSurvivors } }),
  ];
  const processor = createProcessor({
    database,
    clock,
    logger,
    stages,
    // SQLite: the processor's own cached, narrow read of the log (same rows, less work).
    readEventsAfter: database.sqlite ? createSqliteLogReader(database.sqlite) : readEventsAfter,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  const writerOptions = {
    ...(options.maxPendingEvents !== undefined ? { maxPendingEvents: options.maxPendingEvents } : {}),
    onAppended: () => processor.wake(),
  };
  // A SQLite file is appended to from a thread of its own; in memory there is only the one connection.
  const writer =
    database.sqlite && database.location !== ':memory:'
      ? createThreadedEventLogWriter(database.location, writerOptions)
      : createEventLogWriter(database, writerOptions);
  const ingest = createIngestService({ clock, writer });
  const identity = createIdentityService({ database, clock, workspaces, writer, processor });
  const profiles = createProfilesService({ database });
  const loyalty = createLoyaltyService({
    database,
    clock,
    writer,
    processor,
    workspaces,
    resolveMemberId: (workspaceId, memberId) => identity.resolveMemberId(workspaceId, memberId),
    memberView: async (memberId) =>
      (await loadMemberViews(database.db, [memberId])).get(memberId) ?? { traits: {}, features: {}, tier: null },
  });
  return {
    database,
    clock,
    logger,
    workspaces,
    writer,
    ingest,
    processor,
    identity,
    profiles,
    loyalty,
    close: async () => {
      await processor?.stop();
      await writer.close();
      await database.close();
    },
  };
}
