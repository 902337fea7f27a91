import { systemClock, type Clock } from './platform/clock.ts';
import { openDatabase, type Database } from './platform/db/database.ts';
import { backstopCheckpointPages, checkpointInBackground } from './platform/db/wal-checkpointer.ts';
import { createLogger, type Logger } from './platform/log.ts';
import { createProcessor, type Processor } from './platform/processor/processor.ts';
import type { Stage } from './platform/processor/stage.ts';
import { processThrough } from './platform/processor/catch-up.ts';
import { clockTickPayload } from './platform/timers/clock-tick.ts';
import { createClockTicker, type ClockTicker } from './platform/timers/clock-ticker.ts';
import { createId } from './platform/ids.ts';
import { appendOperation } from './modules/ingest/operation-events.ts';
import { createEventLogWriter, type EventLogWriter } from './modules/ingest/event-log-writer.ts';
import { readEventsAfter } from './modules/ingest/event-log.repo.ts';
import { createThreadedEventLogWriter } from './modules/ingest/threaded-log-writer.ts';
import { createSqliteLogReader } from './modules/ingest/sqlite-log-reader.ts';
import { createReadAheadLogReader } from './modules/ingest/log-read-ahead.ts';
import { createIngestService, type IngestService } from './modules/ingest/ingest.service.ts';
import { createPreparationThreads } from './modules/ingest/preparation-threads.ts';
import { createWorkspaceService, type WorkspaceService } from './modules/workspaces/workspaces.service.ts';
import { createIdentityStage } from './modules/identity/identity.stage.ts';
import { createIdentityService, type IdentityService } from './modules/identity/identity.service.ts';
import { createQualityStage } from './modules/quality/quality.stage.ts';
import { createQualityService, type QualityService } from './modules/quality/quality.service.ts';
import { createProfilesStage } from './modules/profiles/profiles.stage.ts';
import { createProfilesService, type ProfilesService } from './modules/profiles/profiles.service.ts';
import {
  findSurvivors,
  findWorkspaceSurvivors,
  loadMemberTraits,
  loadMemberViews,
} from './modules/profiles/member-views.ts';
import { createLoyaltyStage } from './modules/loyalty/loyalty.stage.ts';
import { createLoyaltyService, type LoyaltyService } from './modules/loyalty/loyalty.service.ts';
import { readTierIds } from './modules/loyalty/loyalty.repo.ts';
import { createCouponsStage } from './modules/benefits/coupons.stage.ts';
import { createCouponsService, type CouponsService } from './modules/benefits/coupons.service.ts';
import { createProductCodesStage } from './modules/benefits/product-codes.stage.ts';
import { createStoresStage } from './modules/stores/stores.stage.ts';
import { loadStores } from './modules/stores/stores.repo.ts';
import { createBadgesStage } from './modules/benefits/badges.stage.ts';
import { createMembershipsStage } from './modules/benefits/memberships.stage.ts';
import { createReferralsStage } from './modules/benefits/referrals.stage.ts';
import { createReferralsService, type ReferralsService } from './modules/benefits/referrals.service.ts';
import { createRewardsStage } from './modules/benefits/rewards.stage.ts';
import { createRewardsService, type RewardsService } from './modules/benefits/rewards.service.ts';
import { createMembershipsService, type MembershipsService } from './modules/benefits/memberships.service.ts';
import { createBadgesService, type BadgesService } from './modules/benefits/badges.service.ts';
import { createStoresService, type StoresService } from './modules/stores/stores.service.ts';
import { createProductCodesService, type ProductCodesService } from './modules/benefits/product-codes.service.ts';
import { createAnalyticsService, type AnalyticsService } from './modules/audience/analytics.service.ts';
import { createLifeStagesStage } from './modules/audience/life-stages.stage.ts';
import { createLifeStagesService, type LifeStagesService } from './modules/audience/life-stages.service.ts';
import { createTagsStage } from './modules/audience/tags.stage.ts';
import { createTagsService, type TagsService } from './modules/audience/tags.service.ts';
import { createMemberFinder } from './modules/audience/member-references.ts';
import { createSegmentsStage } from './modules/audience/segments.stage.ts';
import { createSegmentsService, type SegmentsService } from './modules/audience/segments.service.ts';
import { createChangeJournal, createChangeJournalStage } from './modules/audience/change-journal.ts';
import { createPreviewIndex } from './modules/audience/preview-index.ts';

export interface Runtime {
  database: Database;
  clock: Clock;
  logger: Logger;
  workspaces: WorkspaceService;
  writer: EventLogWriter;
  ingest: IngestService;
  processor: Processor;
  /** Batches the processor took from the log's read-ahead thread and read itself; undefined without the thread. */
  logReads(): { ahead: number; here: number } | undefined;
  /** The processor's stages, in order (a test can run them with a stage of its own behind). */
  stages: readonly Stage[];
  /** Appends clock ticks when timers fall due (points expire, tiers are re-evaluated). */
  ticker: ClockTicker;
  /** Starts the processor and the ticker: what a processing process (serve, worker) runs. */
  startProcessing(): void;
  identity: IdentityService;
  profiles: ProfilesService;
  loyalty: LoyaltyService;
  analytics: AnalyticsService;
  lifeStages: LifeStagesService;
  tags: TagsService;
  segments: SegmentsService;
  coupons: CouponsService;
  productCodes: ProductCodesService;
  stores: StoresService;
  badges: BadgesService;
  rewards: RewardsService;
  memberships: MembershipsService;
  referrals: ReferralsService;
  quality: QualityService;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  database: string;
  logLevel?: string;
  clock?: Clock;
  logger?: Logger;
  /** Events per processing transaction. */
  batchSize?: number;
  /** How often the clock ticker looks for due timers (default 1 s). */
  tickMilliseconds?: number;
  /** Subjects (members) a stage advances per clock tick (default 500). */
  subjectsPerTick?: number;
  maxPendingEvents?: number;
  /**
   * Threads that decode and validate tracking requests (default 0: the main thread does it).
   * `hearth serve` sets HEARTH_INGEST_THREADS, by default one fewer than the cores, at most 4.
   */
  ingestThreads?: number;
  /**
   * On a SQLite file, read the log's next batch on a thread of its own while a backlog is processed
   * (default true: `hearth worker`, replay, import and demo catch up faster). `hearth serve` turns it
   * off: there the cores are busy with ingestion, and the thread's reads (many of them of a log end
   * that has moved on by the time they are taken) cost more CPU than they save the main thread.
   */
  readLogAhead?: boolean;
  /** Workspaces with at least this many members get an in-memory segment preview index (default 10,000). */
  previewIndexMinimumMembers?: number;
}

/** The composition root: platform pieces and modules wired once, for the server, the worker and the CLI. */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
  const database = await openDatabase(options.database);
  const workspaces = createWorkspaceService(database, clock);
  const journal = createChangeJournal();
  const stages: Stage[] = [
    createIdentityStage({ workspaces }),
    // Right after identity: an event it refuses keeps its member but counts for no stage after it.
    createQualityStage(),
    createProfilesStage({ workspaces }),
    // Benefits before loyalty: the points they grant are earned at the place of the event that granted them.
    createStoresStage({ survivors: findSurvivors }),
    createProductCodesStage({
      views: { survivors: findSurvivors },
      storeIds: async (transaction, workspaceId) => new Set((await loadStores(transaction, workspaceId)).keys()),
    }),
    createMembershipsStage({ workspaces, views: { survivors: findSurvivors } }),
    createReferralsStage({ workspaces, views: { survivors: findSurvivors } }),
    // After referrals: a badge may count the referrals a member completed.
    createBadgesStage({ workspaces, views: { survivors: findSurvivors } }),
    createCouponsStage({ workspaces, views: { survivors: findSurvivors, tiers: readTierIds } }),
    // After coupons: it records whether each reward the benefits granted was given.
    createRewardsStage(),
    createLoyaltyStage({ workspaces, views: { load: loadMemberViews, survivors: findSurvivors } }),
    createLifeStagesStage({ workspaces, traits: { traits: loadMemberTraits } }),
    createTagsStage({ reader: { survivors: findSurvivors } }),
    createSegmentsStage({ workspaces }),
    // Last: it records whom every stage before it changed, for the preview index.
    createChangeJournalStage(journal),
  ];
  // A SQLite file is appended to, checkpointed and read ahead from threads of their own; in memory
  // there is only the one connection.
  const sqliteFile = database.sqlite && database.location !== ':memory:' ? database.sqlite : undefined;
  const logReader =
    sqliteFile && options.readLogAhead !== false
      ? createReadAheadLogReader(sqliteFile, database.location, logger)
      : undefined;
  const processor = createProcessor({
    database,
    clock,
    logger,
    stages,
    // SQLite: the processor's own cached, narrow read of the log (same rows, less work).
    readEventsAfter:
      logReader?.readEventsAfter ?? (database.sqlite ? createSqliteLogReader(database.sqlite) : readEventsAfter),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  const writerOptions = {
    ...(options.maxPendingEvents !== undefined ? { maxPendingEvents: options.maxPendingEvents } : {}),
    // Nothing stored (all duplicates): nothing to process.
    onAppended: (lastPosition: number | null) => {
      if (lastPosition !== null) processor.wake(lastPosition);
    },
  };
  const checkpointer = sqliteFile ? checkpointInBackground(sqliteFile, database.location, logger) : undefined;
  const writer = sqliteFile
    ? createThreadedEventLogWriter(database.location, {
        ...writerOptions,
        gate: database.writeGate,
        autoCheckpointPages: backstopCheckpointPages,
      })
    : createEventLogWriter(database, writerOptions);
  const preparer = options.ingestThreads
    ? createPreparationThreads({ threads: options.ingestThreads, logger })
    : undefined;
  const ingest = createIngestService({
    clock,
    writer,
    preparer,
    database,
    processedThrough: () => processor.position(),
  });
  const ticker = createClockTicker({
    database,
    clock,
    logger,
    appendTick: async (workspaceId, until, limit) => {
      const tick = await appendOperation(
        { database, writer },
        {
          workspaceId,
          messageId: `clock-${createId(until)}`,
          eventName: 'Time Passed',
          payload: clockTickPayload(until, limit),
          now: until,
        },
      );
      return tick.seq;
    },
    processThrough: (position) => processThrough(processor, position),
    ...(options.tickMilliseconds !== undefined ? { intervalMilliseconds: options.tickMilliseconds } : {}),
    ...(options.subjectsPerTick !== undefined ? { subjectsPerTick: options.subjectsPerTick } : {}),
  });
  const identity = createIdentityService({ database, clock, workspaces, writer, processor });
  const profiles = createProfilesService({ database });
  // What every service that writes through the log needs.
  const operated = {
    database,
    clock,
    writer,
    processor,
    workspaces,
    resolveMemberId: (workspaceId: string, memberId: string) => identity.resolveMemberId(workspaceId, memberId),
    memberForOperation: (workspaceId: string, memberId: string) => identity.memberForOperation(workspaceId, memberId),
  };
  const loyalty = createLoyaltyService({
    ...operated,
    memberView: async (memberId) =>
      (await loadMemberViews(database.db, [memberId])).get(memberId) ?? { traits: {}, features: {}, tier: null },
  });
  const analytics = createAnalyticsService({ database, clock, workspaces });
  const lifeStages = createLifeStagesService({ database, clock, writer, processor });
  const previewIndex = createPreviewIndex({
    database,
    clock,
    logger,
    journal,
    committedPosition: () => processor.position(),
    ...(options.previewIndexMinimumMembers !== undefined ? { minimumMembers: options.previewIndexMinimumMembers } : {}),
  });
  const stores = createStoresService(operated);
  const segments = createSegmentsService({ database, clock, writer, processor, workspaces, previewIndex, stores });
  const finder = createMemberFinder(identity);
  const tags = createTagsService({ database, clock, writer, processor, finder, segments });
  const coupons = createCouponsService({
    ...operated,
    resolveMembers: (workspaceId, memberIds) => findWorkspaceSurvivors(database.db, workspaceId, memberIds),
    segmentMembers: (workspaceId, segmentId) => segments.allMembers(workspaceId, segmentId),
  });
  const badges = createBadgesService(operated);
  const rewards = createRewardsService(operated);
  const productCodes = createProductCodesService({ ...operated, stores });
  const memberships = createMembershipsService(operated);
  const referrals = createReferralsService(operated);
  const quality = createQualityService({ database, clock, writer, processor });
  return {
    database,
    clock,
    logger,
    workspaces,
    writer,
    ingest,
    processor,
    stages,
    ticker,
    startProcessing: () => {
      processor.start();
      ticker.start();
      // Only a process whose processor keeps the journal knows whom each batch changed.
      previewIndex.enable();
    },
    identity,
    profiles,
    loyalty,
    analytics,
    lifeStages,
    tags,
    segments,
    coupons,
    productCodes,
    stores,
    badges,
    rewards,
    memberships,
    referrals,
    quality,
    logReads: () => logReader?.counts(),
    close: async () => {
      await ticker.stop();
      await processor.stop();
      await logReader?.close();
      await previewIndex.close();
      // Requests still being prepared append to the writer: its close drains them after.
      await preparer?.close();
      await writer.close();
      await checkpointer?.close();
      await database.close();
    },
  };
}
