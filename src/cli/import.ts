import { createReadStream, type ReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { CsvError } from 'csv-parse';
import { Option, type Command } from 'commander';
import { HearthError } from '../platform/errors.ts';
import { readLastSeq } from '../modules/ingest/event-log.repo.ts';
import { parseCsvMapping, type CsvMapping } from '../modules/ingest/import/csv-mapping.schema.ts';
import { readCsvItems } from '../modules/ingest/import/csv-source.ts';
import {
  importItems,
  type ImportCounts,
  type ImportItem,
  type RowRejection,
} from '../modules/ingest/import/import.service.ts';
import { readNdjsonItems } from '../modules/ingest/import/ndjson-source.ts';
import type { Runtime } from '../runtime.ts';
import {
  openCommandRuntime,
  printJson,
  resolveWorkspace,
  withDatabaseOption,
  type DatabaseOptions,
} from './shared-options.ts';

type ImportFormat = 'ndjson' | 'csv';

interface ImportCommandOptions extends DatabaseOptions {
  workspace?: string;
  format?: ImportFormat;
  map?: string;
  json?: boolean;
  /** Commander's `--no-process`: true unless the flag is given. */
  process: boolean;
}

interface Progress {
  start(label: string, total: number): void;
  update(value: number): void;
  /** Prints a line without tearing the bar. */
  log(text: string): void;
  stop(): void;
}

/** A bar on stderr when a person is watching; nothing otherwise, so pipes and --json stay clean. */
function createProgress(enabled: boolean): Progress {
  if (!enabled) {
    return { start: () => {}, update: () => {}, log: (text) => process.stderr.write(text), stop: () => {} };
  }
  const bars = new MultiBar(
    {
      stream: process.stderr,
      format: '{label} [{bar}] {percentage}% | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  let bar: SingleBar | undefined;
  return {
    start(label, total) {
      if (bar) bars.remove(bar);
      bar = bars.create(Math.max(total, 1), 0, { label });
    },
    update: (value) => bar?.update(value),
    log: (text) => bars.log(text),
    stop: () => bars.stop(),
  };
}

async function checkFile(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error(`${file} is not a file`);
    return info.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`cannot read ${file}: no such file`);
    throw error;
  }
}

async function loadMapping(path: string): Promise<CsvMapping> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`--map: cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = parseCsvMapping(text);
  if (parsed.ok) return parsed.mapping;
  throw new Error(
    parsed.issues.map((issue) => `${path}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`).join('\n'),
  );
}

/**
 * Fatal problems with the input, said with the file they are in: a mapping that names a column the
 * header lacks (nothing would import right), an empty CSV file, a CSV the parser cannot go on with.
 */
function describeInputError(error: unknown, mapPath: string | undefined, file: string): unknown {
  if (error instanceof CsvError) return new Error(`${file}: ${error.message}`);
  if (!(error instanceof HearthError)) return error;
  if (error.issues.length === 0) return new Error(`${file}: ${error.message}`);
  const where = mapPath ?? file;
  return new Error(error.issues.map((issue) => `${where}: ${issue.path}: ${issue.message}`).join('\n'));
}

interface RunPlan {
  file: string;
  size: number;
  format: ImportFormat;
  mapping: CsvMapping | undefined;
}

async function runImport(runtime: Runtime, plan: RunPlan, options: ImportCommandOptions, progress: Progress) {
  const workspace = await resolveWorkspace(runtime, options.workspace);
  const stream: ReadStream = createReadStream(plan.file);
  const csv = plan.mapping ? readCsvItems(stream, plan.mapping, { timeZone: workspace.timezone }) : undefined;
  const items: AsyncIterable<ImportItem> = csv ? csv.items : readNdjsonItems(stream);
  progress.start('importing ', plan.size);
  const ticker = setInterval(() => progress.update(stream.bytesRead), 100);
  const started = performance.now();
  try {
    const counts = await importItems({
      ingest: runtime.ingest,
      workspaceId: workspace.id,
      items,
      onRejected: (rejection: RowRejection) => progress.log(`line ${rejection.line}: ${rejection.reason}\n`),
    });
    progress.update(plan.size);
    return { workspaceId: workspace.id, counts, rows: csv?.rows(), seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    throw describeInputError(error, options.map, plan.file);
  } finally {
    clearInterval(ticker);
    stream.destroy();
  }
}

/** Brings identity and profiles up to date with what was just appended. */
async function processLog(runtime: Runtime, progress: Progress): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  const from = await runtime.processor.position();
  const last = await readLastSeq(runtime.database.db);
  progress.start('processing', last - from);
  const events = await runtime.processor.runUntilIdle((position) => progress.update(position - from));
  return { events, seconds: (performance.now() - started) / 1000 };
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

function summaryText(
  file: string,
  workspaceId: string,
  counts: ImportCounts,
  rows: number | undefined,
  seconds: number,
): string {
  const parts = [
    `${formatCount(counts.accepted)} accepted`,
    `${formatCount(counts.duplicates)} duplicates`,
    `${formatCount(counts.rejected)} rejected`,
  ];
  const rowNote = rows === undefined ? '' : ` from ${formatCount(rows)} rows`;
  return `imported ${file} into ${workspaceId}: ${parts.join(', ')} events${rowNote} in ${seconds.toFixed(1)} s\n`;
}

async function planImport(file: string, options: ImportCommandOptions): Promise<RunPlan> {
  const size = await checkFile(file);
  const format: ImportFormat = options.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson');
  if (format === 'csv' && !options.map) {
    throw new Error('--map is required for a CSV file (see examples/online-retail-mapping.json)');
  }
  if (format === 'ndjson' && options.map) {
    throw new Error('--map applies to CSV files only; this file is read as NDJSON (use --format csv)');
  }
  const mapping = options.map ? await loadMapping(options.map) : undefined;
  return { file, size, format, mapping };
}

export function registerImportCommand(program: Command): void {
  withDatabaseOption(
    program
      .command('import')
      .description('Import Segment messages from NDJSON, or rows from CSV through a mapping file; safe to re-run')
      .argument('<file>', 'NDJSON (one Segment message per line) or CSV file')
      .option('--workspace <id>', 'workspace to import into (default: the only one)')
      .addOption(
        new Option('--format <format>', 'file format (default: csv for .csv files, else ndjson)').choices([
          'ndjson',
          'csv',
        ]),
      )
      .option('--map <mapping.json>', 'CSV mapping file (see examples/online-retail-mapping.json)')
      .option('--no-process', 'only append to the event log; leave profiles to `hearth serve` or `hearth replay`')
      .option('--json', 'print {"accepted","duplicates","rejected"} (and "rows" for CSV) as one JSON line'),
  ).action(async (file: string, options: ImportCommandOptions) => {
    const plan = await planImport(file, options);
    const runtime = await openCommandRuntime(options);
    const progress = createProgress(Boolean(process.stderr.isTTY) && !options.json);
    try {
      const result = await runImport(runtime, plan, options, progress);
      const processed = options.process ? await processLog(runtime, progress) : undefined;
      progress.stop();
      if (options.json) {
        printJson({ ...result.counts, ...(result.rows === undefined ? {} : { rows: result.rows }) });
        return;
      }
      process.stdout.write(summaryText(file, result.workspaceId, result.counts, result.rows, result.seconds));
      if (processed) {
        const seconds = processed.seconds.toFixed(1);
        process.stdout.write(`processed ${formatCount(processed.events)} events in ${seconds} s\n`);
      }
    } finally {
      progress.stop();
      await runtime.close();
    }
  });
}
