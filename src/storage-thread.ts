import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { systemClock } from './platform/clock.ts';
import { openDatabase } from './platform/db/database.ts';
import { createLogger } from './platform/log.ts';
import { createProcessor } from './platform/processor/processor.ts';
import {
  isLogThreadData,
  serveLogThread,
  type LogThreadData,
  type LogThreadReply,
} from './modules/ingest/event-log-thread.ts';
import { createSqliteLogReader } from './modules/ingest/sqlite-log-reader.ts';
import { createWorkspaceService } from './modules/workspaces/workspaces.service.ts';
import { createStages } from './processing-stages.ts';

/**
 * The log's thread with the processor in it (`hearth serve` on a SQLite file): one connection
 * appends the log and runs the stages, taking turns at its write gate, while the main thread
 * serves HTTP. The migrations were applied by the main thread before it started this one.
 */
async function serveWithProcessor(port: MessagePort, data: LogThreadData): Promise<void> {
  const database = await openDatabase(data.location, { migrate: false });
  const connection = database.sqlite;
  if (!connection) throw new Error('the log thread needs a SQLite file');
  const processor = createProcessor({
    database,
    clock: systemClock,
    logger: createLogger(data.processing?.logLevel ?? 'info'),
    stages: createStages({ workspaces: createWorkspaceService(database, systemClock) }),
    readEventsAfter: createSqliteLogReader(connection),
    ...(data.processing?.batchSize ? { batchSize: data.processing.batchSize } : {}),
    onBatchCommitted: (through) => port.postMessage({ kind: 'processed', through } satisfies LogThreadReply),
  });
  const host = {
    connection,
    processor,
    close: () => database.close(),
    ...(database.writeGate ? { gate: database.writeGate } : {}),
  };
  serveLogThread(port, host, database.location);
}

if (parentPort && isLogThreadData(workerData)) await serveWithProcessor(parentPort, workerData);
