import { readFile } from 'node:fs/promises';
import { withoutRefused } from '../modules/quality/quality.repo.ts';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { readEventsAfter } from '../modules/ingest/event-log.repo.ts';
import { loyaltyProgramSchema } from '../modules/loyalty/loyalty-program.schema.ts';
import { readProgramsByVersion } from '../modules/loyalty/loyalty.repo.ts';
import { readPointsOperation } from '../modules/loyalty/points-operations.ts';
import { createSimulationRun, type SimulationFigures } from '../modules/loyalty/simulation.ts';
import { findSurvivors, loadMemberViews } from '../modules/profiles/member-views.ts';
import type { Runtime } from '../runtime.ts';
import {
  openCommandRuntime,
  printJson,
  resolveWorkspace,
  withDatabaseOption,
  type DatabaseOptions,
} from './shared-options.ts';

interface SimulateOptions extends DatabaseOptions {
  program: string;
  from?: string;
  to?: string;
  workspace?: string;
  json?: boolean;
}

const pageSize = 5_000;

async function readProposedProgram(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`--program: cannot read ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`--program: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = loyaltyProgramSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(document)'}: ${issue.message}`);
    throw new Error(`--program: ${file} is not a valid loyalty program:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** A day in the workspace time zone: `--from` starts at its first millisecond, `--to` ends at its last. */
function parseDay(
  name: string,
  value: string | undefined,
  timeZone: string,
  edge: 'start' | 'end',
): number | undefined {
  if (value === undefined) return undefined;
  const day = DateTime.fromISO(value, { zone: timeZone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !day.isValid)
    throw new Error(`${name}: ${value} is not a date like 2026-05-01`);
  return (edge === 'start' ? day.startOf('day') : day.endOf('day')).toMillis();
}

async function simulate(runtime: Runtime, options: SimulateOptions) {
  const proposed = await readProposedProgram(options.program);
  const workspace = await resolveWorkspace(runtime, options.workspace);
  const from = parseDay('--from', options.from, workspace.timezone, 'start') ?? 0;
  const to = parseDay('--to', options.to, workspace.timezone, 'end') ?? runtime.clock.now();
  if (from > to) throw new Error('--from must not be after --to');
  const db = runtime.database.db;
  const versions = await readProgramsByVersion(db, workspace.id);
  const common = { workspaceId: workspace.id, currency: workspace.currency, timeZone: workspace.timezone, from, to };
  const current = createSimulationRun({
    ...common,
    program: null,
    programVersion: (version) => versions.get(version),
    fixed: false,
  });
  const candidate = createSimulationRun({
    ...common,
    program: { version: 0, document: proposed },
    programVersion: () => undefined,
    fixed: true,
  });
  for (let position = 0; ;) {
    const page = await readEventsAfter(db, position, pageSize);
    if (page.length === 0) break;
    position = page[page.length - 1]?.seq ?? position;
    // What processing refused (an absurd total) counts under no program, the proposed one included.
    const events = await withoutRefused(db, page);
    const operationMembers = events
      .map((event) => readPointsOperation(event.payload)?.memberId)
      .filter((id) => id !== undefined);
    const members = events.map((event) => event.memberId).filter((id): id is string => id !== null);
    const survivors = await findSurvivors(db, operationMembers);
    const views = await loadMemberViews(db, [...members, ...survivors.values()]);
    current.fold(events, views, survivors);
    candidate.fold(events, views, survivors);
  }
  return {
    workspaceId: workspace.id,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    current: current.finish(),
    proposed: candidate.finish(),
  };
}

function describe(result: Awaited<ReturnType<typeof simulate>>): string {
  const rows: Array<[string, (figures: SimulationFigures) => number]> = [
    ['points issued', (figures) => figures.issued],
    ['points redeemed', (figures) => figures.redeemed],
    ['points expired', (figures) => figures.expired],
    ['points taken back (refunds)', (figures) => figures.clawedBack],
    ['operations refused', (figures) => figures.refusedOperations],
    ['outstanding at the end', (figures) => figures.outstanding.total],
    ['liability (minor units)', (figures) => figures.liability],
    ['members holding points', (figures) => figures.membersWithPoints],
  ];
  const lines = rows.map(([label, pick]) => {
    const now = pick(result.current);
    const next = pick(result.proposed);
    const change = next - now;
    return `${label.padEnd(30)}${String(now).padStart(14)}${String(next).padStart(14)}${`${change >= 0 ? '+' : ''}${change}`.padStart(14)}`;
  });
  return [
    `simulation of ${result.workspaceId}, ${result.from} – ${result.to} (nothing live was changed)`,
    `${''.padEnd(30)}${'current'.padStart(14)}${'proposed'.padStart(14)}${'change'.padStart(14)}`,
    ...lines,
    ...describeTiers(result.current.tiers, result.proposed.tiers),
    '',
  ].join('\n');
}

function describeTiers(current: Record<string, number>, proposed: Record<string, number>): string[] {
  const tiers = [...new Set([...Object.keys(current), ...Object.keys(proposed)])].sort();
  return tiers.map((tier) => {
    const now = current[tier] ?? 0;
    const next = proposed[tier] ?? 0;
    const change = next - now;
    return `${`members in tier ${tier}`.padEnd(30)}${String(now).padStart(14)}${String(next).padStart(14)}${`${change >= 0 ? '+' : ''}${change}`.padStart(14)}`;
  });
}

export function registerSimulateCommand(program: Command): void {
  withDatabaseOption(
    program
      .command('simulate')
      .description(
        'Replay the event log with a proposed loyalty program, beside the current one, touching nothing live',
      )
      .requiredOption('--program <file>', 'the proposed program document (JSON)')
      .option('--from <date>', 'count from this day (workspace time zone)')
      .option('--to <date>', 'count up to this day, and report what is owed at its end (default: now)')
      .option('--workspace <id>', 'workspace to simulate (default: the only one)')
      .option('--json', 'print {current, proposed} figures as JSON'),
  ).action(async (options: SimulateOptions) => {
    const runtime = await openCommandRuntime(options);
    try {
      const result = await simulate(runtime, options);
      if (options.json) printJson(result);
      else process.stdout.write(describe(result));
    } finally {
      await runtime.close();
    }
  });
}
