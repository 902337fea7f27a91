import { performance } from 'node:perf_hooks';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { readLastSeq } from '../modules/ingest/event-log.repo.ts';
import { defaultDemoDays, defaultDemoUntil } from '../modules/demo/demo-data.ts';
import { loadDemoData, type DemoLoadResult } from '../modules/demo/demo.service.ts';
import type { Runtime } from '../runtime.ts';
import {
  openCommandRuntime,
  parseInteger,
  printJson,
  withDatabaseOption,
  type DatabaseOptions,
} from './shared-options.ts';

interface DemoCommandOptions extends DatabaseOptions {
  members: number;
  seed: number;
  workspace?: string;
  days: number;
  until: string;
  json?: boolean;
  /** Commander's `--no-process`: true unless the flag is given. */
  process: boolean;
}

interface DemoWorkspace {
  id: string;
  name: string;
  /** Keys of a workspace this command created; they are shown once. */
  keys?: { writeKey: string; secretKey: string };
}

interface Progress {
  start(label: string, total: number, unit: string): void;
  update(value: number): void;
  stop(): void;
}

/** A bar on stderr when a person is watching; nothing otherwise, so pipes and --json stay clean. */
function createProgress(enabled: boolean): Progress {
  if (!enabled) return { start: () => {}, update: () => {}, stop: () => {} };
  const bars = new MultiBar(
    {
      stream: process.stderr,
      format: '{label} [{bar}] {percentage}% | {value}/{total} {unit} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  let bar: SingleBar | undefined;
  return {
    start(label, total, unit) {
      bar?.stop();
      bar = bars.create(Math.max(total, 1), 0, { label, unit });
    },
    update: (value) => bar?.update(value),
    stop: () => bars.stop(),
  };
}

function parseInstant(value: string): string {
  if (Number.isNaN(Date.parse(value)))
    throw new InvalidArgumentError('must be an ISO-8601 instant such as 2026-11-01T00:00:00Z');
  return value;
}

/** The named workspace; else the only one; else the one called "Demo"; else a new "Demo". */
async function resolveWorkspace(runtime: Runtime, requested: string | undefined): Promise<DemoWorkspace> {
  if (requested) {
    const workspace = await runtime.workspaces.get(requested);
    if (!workspace) throw new Error(`--workspace: there is no workspace ${requested} (see \`hearth workspace list\`)`);
    return workspace;
  }
  const workspaces = await runtime.workspaces.list();
  const named = workspaces.filter((item) => item.name === 'Demo');
  const only = workspaces.length === 1 ? workspaces[0] : named.length === 1 ? named[0] : undefined;
  if (only) return only;
  if (workspaces.length === 0) {
    const created = await runtime.workspaces.create({ name: 'Demo' });
    return {
      id: created.workspaceId,
      name: created.workspace.name,
      keys: { writeKey: created.writeKey, secretKey: created.secretKey },
    };
  }
  throw new Error(
    `--workspace is required: the database has ${workspaces.length} workspaces (${workspaces.map((item) => item.id).join(', ')})`,
  );
}

async function processLog(runtime: Runtime, progress: Progress): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  const from = await runtime.processor.position();
  const last = await readLastSeq(runtime.database.db);
  progress.start('processing', last - from, 'events');
  const events = await runtime.processor.runUntilIdle((position) => progress.update(position - from));
  return { events, seconds: (performance.now() - started) / 1000 };
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

function printText(
  workspace: DemoWorkspace,
  result: DemoLoadResult,
  seconds: number,
  processed?: { events: number; seconds: number },
) {
  const lines: string[] = [];
  if (workspace.keys) {
    lines.push(
      `created workspace ${workspace.id} (${workspace.name})`,
      `write key:  ${workspace.keys.writeKey}`,
      `secret key: ${workspace.keys.secretKey}`,
    );
  }
  const types = Object.entries(result.summary.byType).map(([type, count]) => `${type} ${formatCount(count)}`);
  const events = Object.entries(result.summary.byEvent).map(([event, count]) => `${event} ${formatCount(count)}`);
  lines.push(
    `${formatCount(result.members)} members, ${formatCount(result.messages)} messages into ${workspace.id} in ${seconds.toFixed(1)} s: ` +
      `${formatCount(result.accepted)} accepted, ${formatCount(result.duplicates)} duplicates, ${formatCount(result.rejected)} rejected`,
    `  by type:  ${types.join(', ')}`,
    `  by event: ${events.join(', ')}`,
  );
  if (processed) lines.push(`processed ${formatCount(processed.events)} events in ${processed.seconds.toFixed(1)} s`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runDemo(runtime: Runtime, options: DemoCommandOptions, progress: Progress): Promise<void> {
  const workspace = await resolveWorkspace(runtime, options.workspace);
  const started = performance.now();
  progress.start('generating', options.members, 'members');
  const result = await loadDemoData({
    ingest: runtime.ingest,
    workspaceId: workspace.id,
    members: options.members,
    seed: options.seed,
    until: options.until,
    days: options.days,
    onProgress: (loaded) => progress.update(loaded.members),
  });
  const seconds = (performance.now() - started) / 1000;
  const processed = options.process ? await processLog(runtime, progress) : undefined;
  progress.stop();
  for (const rejection of result.rejections) {
    process.stderr.write(
      `rejected ${rejection.messageId}: ${rejection.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}\n`,
    );
  }
  if (result.rejected > 0) process.exitCode = 1;
  if (!options.json) return printText(workspace, result, seconds, processed);
  printJson({
    workspaceId: workspace.id,
    members: result.members,
    messages: result.messages,
    accepted: result.accepted,
    duplicates: result.duplicates,
    rejected: result.rejected,
    ...(processed ? { processed: processed.events } : {}),
    seconds: {
      ingest: Number(seconds.toFixed(2)),
      ...(processed ? { process: Number(processed.seconds.toFixed(2)) } : {}),
    },
    byType: result.summary.byType,
    byEvent: result.summary.byEvent,
    ...(workspace.keys ? { created: { name: workspace.name, ...workspace.keys } } : {}),
  });
}

export function registerDemoCommand(program: Command): void {
  withDatabaseOption(
    program
      .command('demo')
      .description(
        'Load deterministic demo data of a mother-and-baby brand (members across six channels); safe to re-run',
      )
      .option('--members <n>', 'how many members to generate', parseInteger('--members', 1), 1_000)
      .option('--seed <n>', 'random seed: the same seed and members give the same messages', parseInteger('--seed'), 1)
      .option(
        '--workspace <id>',
        'workspace to load into (default: the only one, else one named "Demo", else a new "Demo")',
      )
      .option('--days <n>', 'days of history', parseInteger('--days', 1), defaultDemoDays)
      .option('--until <instant>', 'end of history (exclusive)', parseInstant, defaultDemoUntil)
      .option('--no-process', 'only append to the event log; leave profiles to `hearth serve` or `hearth replay`')
      .option('--json', 'print {"workspaceId","members","messages","accepted","duplicates",…} as one JSON line'),
  ).action(async (options: DemoCommandOptions) => {
    const runtime = await openCommandRuntime(options);
    const progress = createProgress(Boolean(process.stderr.isTTY) && !options.json);
    try {
      await runDemo(runtime, options, progress);
    } finally {
      progress.stop();
      await runtime.close();
    }
  });
}
