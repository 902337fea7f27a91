// The processing part of `npm run bench`, run by bench/run.ts as a process of its own (see
// part-process.ts) with the Node flags `hearth` runs with: it catches up with a copy of the log as a
// processing process (`hearth worker`, or `hearth serve` after a backlog) does, and prints one JSON
// object, what it processed and how long it took.
import { silentLogger } from '../src/platform/log.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createProcessor } from '../src/platform/processor/processor.ts';
import { createReadAheadLogReader } from '../src/modules/ingest/log-read-ahead.ts';
import { openRuntime } from '../src/runtime.ts';
import { messageOf } from '../src/platform/errors.ts';

export interface ProcessingPartOptions {
  database: string;
  /** Narrows processing to the named stages (the foundation's figure); every stage when absent. */
  only?: string[];
}

export interface ProcessingPartResult {
  stored: number;
  processed: number;
  seconds: number;
}

async function processLog(options: ProcessingPartOptions): Promise<ProcessingPartResult> {
  const runtime = await openRuntime({ database: options.database, logger: silentLogger });
  const sqlite = runtime.database.sqlite;
  if (!sqlite) throw new Error('the processing figure is measured on SQLite');
  const only = options.only;
  // Narrowed to some stages, a processor of its own, reading the log as the runtime's does.
  const reader = only ? createReadAheadLogReader(sqlite, runtime.database.location, silentLogger) : undefined;
  const processor =
    only && reader
      ? createProcessor({
          database: runtime.database,
          clock: systemClock,
          logger: silentLogger,
          stages: runtime.stages.filter((stage) => only.includes(stage.name)),
          readEventsAfter: reader.readEventsAfter,
        })
      : runtime.processor;
  const stored = await runtime.database.db
    .selectFrom('events')
    .select((builder) => builder.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  const started = performance.now();
  const processed = await processor.runUntilIdle();
  const seconds = (performance.now() - started) / 1000;
  await reader?.close();
  await runtime.close();
  return { stored: Number(stored.count), processed, seconds };
}

try {
  const result = await processLog(JSON.parse(process.argv[2] ?? '{}') as ProcessingPartOptions);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  console.error(messageOf(error));
  process.exitCode = 1;
}
