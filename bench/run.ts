// `npm run bench`: throughput of this machine, end to end, each figure beside its raw limit.
// Options: --members N (demo members sent over HTTP, default 20000), --concurrency N (default 8),
// --batch N (events per request, default 500), --skip-ingest, --skip-import, --skip-loyalty, --ledger-operations N
// (default 4000), --ledger-concurrency N (requests in flight, default 32), --skip-benefits, --coupon-codes N (codes generated in one request, default 1000000), --skip-audience, --audience-members N (demo members for the segment figures, default 100000;
// the database is built once and kept in .bench/audience), --audience-previews-only (at 1M members the 100 saved segments take half an hour),
// --audience-skip-previews (the rest of the audience part alone: at 1M the previews take an hour of their own), --postgres URL (an admin URL; a fresh database is made for the run), --profile DIR (V8 CPU profiles of
// the server, the processing and the import, for finding hot spots).
import { cpus, totalmem } from 'node:os';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseInteger } from '../src/cli/shared-options.ts';
import { generateDemoMessages } from '../src/modules/demo/demo-data.ts';
import { measureAudience } from './audience.ts';
import { measureBenefits } from './benefits.ts';
import { withPostgresDatabase } from './loyalty.ts';
import { runBenchPart } from './part-process.ts';
import type { ProcessingPartOptions, ProcessingPartResult } from './processing-part.ts';
import { keepAliveAgent, send } from './http-client.ts';
import { checkMachine } from './machine-check.ts';
import { insertRawEvents, type RawInsertResult } from './raw-insert.ts';
import { readRawEvents, type RawReadResult } from './raw-read.ts';
import { hearthNodeFlags, root, runHearthCli, startServeProcess } from './serve-process.ts';
import { messageOf } from '../src/platform/errors.ts';

const retailCsv = resolve(root, '../shared/data/online_retail_uci.csv');
const retailMapping = join(root, 'examples/online-retail-mapping.json');

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '500' },
    'skip-import': { type: 'boolean', default: false },
    'skip-ingest': { type: 'boolean', default: false },
    'skip-loyalty': { type: 'boolean', default: false },
    'skip-audience': { type: 'boolean', default: false },
    'skip-benefits': { type: 'boolean', default: false },
    'coupon-codes': { type: 'string', default: '1000000' },
    'audience-members': { type: 'string', default: '100000' },
    'audience-previews-only': { type: 'boolean', default: false },
    'audience-skip-previews': { type: 'boolean', default: false },
    'ledger-operations': { type: 'string', default: '4000' },
    'ledger-concurrency': { type: 'string', default: '32' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    profile: { type: 'string' },
  },
});
type CountOption =
  | 'members'
  | 'concurrency'
  | 'batch'
  | 'ledger-operations'
  | 'ledger-concurrency'
  | 'coupon-codes'
  | 'audience-members';

/** A count option's value; anything but a positive whole number stops the run before it measures. */
function countOption(name: CountOption): number {
  try {
    return parseInteger(`--${name}`, 1)(String(values[name]));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  }
}

const members = countOption('members');
const concurrency = countOption('concurrency');
const batchSize = countOption('batch');
const ledgerOperations = countOption('ledger-operations');
const ledgerConcurrency = countOption('ledger-concurrency');
const couponCodes = countOption('coupon-codes');
const audienceMembers = countOption('audience-members');
const profileFlags = values.profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(values.profile)] : [];

const workDirectory = join(root, '.bench', new Date().toISOString().replace(/[:.]/g, '-'));
mkdirSync(workDirectory, { recursive: true });

function rate(count: number, seconds: number): string {
  return `${Math.round(count / seconds).toLocaleString('en')}/s`;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

/** Bodies are encoded once, before the clock starts: the client's work is not what is measured. */
function buildBodies(): { bodies: Buffer[]; events: number } {
  const bodies: Buffer[] = [];
  let batch: unknown[] = [];
  let events = 0;
  const sentAt = new Date().toISOString();
  for (const message of generateDemoMessages({ members, seed: 1 })) {
    batch.push(message);
    events += 1;
    if (batch.length === batchSize) {
      bodies.push(Buffer.from(JSON.stringify({ batch, sentAt })));
      batch = [];
    }
  }
  if (batch.length > 0) bodies.push(Buffer.from(JSON.stringify({ batch, sentAt })));
  return { bodies, events };
}

async function sendAll(url: string, writeKey: string, bodies: Buffer[]) {
  const headers = {
    authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    'content-type': 'application/json',
  };
  const target = new URL(`${url}/v1/batch`);
  const agent = keepAliveAgent(concurrency);
  const latencies: number[] = [];
  let retries = 0;
  let next = 0;
  async function sendOne(body: Buffer): Promise<void> {
    for (;;) {
      const started = performance.now();
      const response = await send(agent, target, 'POST', headers, body);
      if (response.status === 200) {
        latencies.push(performance.now() - started);
        return;
      }
      if (response.status !== 429 && response.status !== 503) throw new Error(`HTTP ${response.status}`);
      retries += 1;
      await new Promise((wait) => setTimeout(wait, Number(response.retryAfter ?? 1) * 1000));
    }
  }
  async function worker(): Promise<void> {
    while (next < bodies.length) {
      const body = bodies[next] as Buffer;
      next += 1;
      await sendOne(body);
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { seconds, retries, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

async function measureHttpAndProcessing(lines: string[]): Promise<void> {
  const database = join(workDirectory, 'http.db');
  const { bodies, events } = buildBodies();
  const server = await startServeProcess(database, { extraArgs: ['--no-process'], nodeFlags: profileFlags });
  const cpuBefore = server.cpuSeconds();
  const clientBefore = process.cpuUsage();
  const sent = await sendAll(server.url, server.writeKey, bodies);
  const clientUsage = process.cpuUsage(clientBefore);
  const serverCpu = (server.cpuSeconds() ?? Number.NaN) - (cpuBefore ?? Number.NaN);
  await server.stop();

  const foundationCopy = join(workDirectory, 'http-foundation.db');
  copyDatabase(database, foundationCopy);
  const rawRead = readRawEvents(foundationCopy);
  const foundation = await processLog(foundationCopy, foundationStages);
  const everything = await processLog(database);
  const raw = await insertRawEvents(database, join(workDirectory, 'raw-http.db'));

  const httpRate = events / sent.seconds;
  lines.push(
    `HTTP batch ingestion  ${events.toLocaleString('en')} demo events (${members.toLocaleString('en')} members), ` +
      `${bodies.length} requests of ${batchSize}, ${concurrency} concurrent`,
    `  accepted and durable: ${rate(events, sent.seconds)} (${everything.stored.toLocaleString('en')} stored, ` +
      `${sent.retries} retried after 429)`,
    `  request latency:      p50 ${sent.p50.toFixed(1)} ms, p99 ${sent.p99.toFixed(1)} ms`,
    `  CPU:                  server ${describeCpu(serverCpu, events)}, this client ${describeCpu((clientUsage.user + clientUsage.system) / 1e6, events)} (of ${(cpus().length * sent.seconds).toFixed(1)} s on ${cpus().length} cores)`,
    `  raw limit:            ${describeRaw(raw)}; ratio ${(httpRate / raw.rowsPerSecond).toFixed(2)}`,
    `Processing (identity, profiles and features: the foundation's stages)`,
    `  ${foundation.processed.toLocaleString('en')} events in ${foundation.seconds.toFixed(1)} s: ${rate(foundation.processed, foundation.seconds)}`,
    `  raw limit:            ${describeRawRead(rawRead)}; ratio ${(foundation.processed / foundation.seconds / rawRead.eventsPerSecond).toFixed(2)}`,
    `Processing (every stage: identity, profiles and features, then benefits, loyalty and audiences)`,
    `  ${everything.processed.toLocaleString('en')} events in ${everything.seconds.toFixed(1)} s: ${rate(everything.processed, everything.seconds)}`,
    `  raw limit:            the same read; ratio ${(everything.processed / everything.seconds / rawRead.eventsPerSecond).toFixed(2)}`,
  );
}

/**
 * The same requests to one `hearth serve` that processes as it accepts (every stage), the way a
 * brand runs it: events accepted per second, and per second until `GET /api/processing` says the
 * workspace is caught up (the events accepted and processed, end to end).
 */
async function measureLiveProcessing(lines: string[]): Promise<void> {
  const { bodies, events } = buildBodies();
  const server = await startServeProcess(join(workDirectory, 'live.db'), { nodeFlags: profileFlags });
  const cpuBefore = server.cpuSeconds();
  const started = performance.now();
  const sent = await sendAll(server.url, server.writeKey, bodies);
  // Processing that stalls stops the run with a line, rather than leaving it waiting.
  const giveUpAt = performance.now() + 600_000;
  for (;;) {
    const response = await fetch(`${server.url}/api/processing`, {
      headers: { authorization: `Bearer ${server.secretKey}` },
    });
    if (response.status !== 200) throw new Error(`GET /api/processing answered ${response.status}`);
    const status = (await response.json()) as { caughtUp: boolean; pending: number };
    if (status.caughtUp) break;
    if (performance.now() > giveUpAt) throw new Error(`processing did not catch up: ${status.pending} events pending`);
    await new Promise((wait) => setTimeout(wait, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = (server.cpuSeconds() ?? Number.NaN) - (cpuBefore ?? Number.NaN);
  await server.stop();
  lines.push(
    `Ingestion with processing in the same server (hearth serve, every stage), ${concurrency} concurrent`,
    `  accepted and durable: ${rate(events, sent.seconds)} (${sent.retries} retried after 429); request p50 ${sent.p50.toFixed(1)} ms, p99 ${sent.p99.toFixed(1)} ms`,
    `  accepted and processed: ${rate(events, seconds)} (caught up ${(seconds - sent.seconds).toFixed(1)} s after the last answer)`,
    `  CPU:                  server ${describeCpu(serverCpu, events)}`,
  );
}

const foundationStages = ['identity', 'profiles'];

/** A file copy of a closed SQLite database, its WAL folded in first so the copy is whole. */
function copyDatabase(source: string, target: string): void {
  const connection = new BetterSqlite3(source);
  connection.pragma('wal_checkpoint(TRUNCATE)');
  connection.close();
  copyFileSync(source, target);
}

/**
 * Catches up with the log as a processing process does after a backlog, in a process of its own
 * with `hearth`'s Node flags (processing-part.ts). `only` narrows it to the named stages (the
 * foundation's figure: what every event costs before the modules built on it).
 */
async function processLog(database: string, only?: string[]): Promise<ProcessingPartResult> {
  let result: ProcessingPartResult | undefined;
  const options: ProcessingPartOptions = { database, ...(only ? { only } : {}) };
  await runBenchPart<ProcessingPartResult>('bench/processing-part.ts', options, (output) => (result = output), [
    ...hearthNodeFlags,
    ...profileFlags,
  ]);
  if (!result) throw new Error('the processing part printed no result');
  return result;
}

/** CPU time per event compares runs on a busy or a different machine better than the rate alone. */
function describeCpu(seconds: number, events: number): string {
  if (!Number.isFinite(seconds)) return 'not measured';
  return `${seconds.toFixed(1)} s (${((seconds / events) * 1e6).toFixed(1)} µs an event)`;
}

function describeRaw(raw: RawInsertResult): string {
  return `${Math.round(raw.rowsPerSecond).toLocaleString('en')}/s (${raw.rows.toLocaleString('en')} rows by a bare prepared INSERT, one transaction)`;
}

function describeRawRead(raw: RawReadResult): string {
  return `${Math.round(raw.eventsPerSecond).toLocaleString('en')}/s (${raw.events.toLocaleString('en')} events by the processor's own prepared SELECT, each payload parsed, nothing else)`;
}

function runCli(args: string[]): Promise<string> {
  return runHearthCli(args, profileFlags);
}

async function measureImport(lines: string[]): Promise<void> {
  const database = join(workDirectory, 'import.db');
  await runCli([
    'workspace',
    'create',
    '--name',
    'Retail',
    '--currency',
    'GBP',
    '--timezone',
    'Europe/London',
    '--db',
    database,
  ]);
  const started = performance.now();
  const output = await runCli([
    'import',
    retailCsv,
    '--map',
    retailMapping,
    '--json',
    '--no-process',
    '--db',
    database,
  ]);
  const seconds = (performance.now() - started) / 1000;
  const counts = JSON.parse(output) as { accepted: number; duplicates: number; rejected: number; rows: number };
  const raw = await insertRawEvents(database, join(workDirectory, 'raw-import.db'));
  const eventRate = counts.accepted / seconds;
  lines.push(
    `Import (hearth import, online_retail_uci.csv, CLI start-up included)`,
    `  ${counts.rows.toLocaleString('en')} CSV rows → ${counts.accepted.toLocaleString('en')} events ` +
      `(${counts.rejected} rejected) in ${seconds.toFixed(1)} s: ${rate(counts.rows, seconds)} rows, ${rate(counts.accepted, seconds)} events`,
    `  raw limit:            ${describeRaw(raw)}; ratio (events) ${(eventRate / raw.rowsPerSecond).toFixed(2)}`,
  );
}

async function measureLoyalty(lines: string[]): Promise<void> {
  // Each database's lines as soon as they are measured: a fault in the next still prints them.
  await runBenchPart(
    'bench/ledger-part.ts',
    {
      sqliteDatabase: join(workDirectory, 'ledger.db'),
      postgres: values.postgres,
      operations: ledgerOperations,
      concurrency: ledgerConcurrency,
      members: 1_000,
      profileFlags,
    },
    (measured: string[]) => lines.push(...measured),
  );
}

async function measureBenefitsOnBoth(lines: string[]): Promise<void> {
  const common = { codes: couponCodes, members: 2_000, concurrency: 32 };
  lines.push(...(await measureBenefits({ ...common, database: join(workDirectory, 'benefits.db'), label: 'SQLite' })));
  lines.push(
    ...(await withPostgresDatabase(values.postgres, (database) =>
      measureBenefits({ ...common, database, label: 'PostgreSQL' }),
    )),
  );
}

/**
 * A full collection of this process's heap between parts (`npm run bench` runs Node with
 * --expose-gc): processing two logs in this process leaves a large heap, whose collection would
 * otherwise fall in a later part's measurement. It had doubled the client's CPU a request in the
 * first ledger phase, and still did with this call, so the ledger part now runs as a client process
 * of its own (part-process.ts).
 */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const lines = [
    `Hearth bench, ${new Date().toISOString()}: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, SQLite (WAL, synchronous=FULL)`,
    checkMachine(workDirectory),
  ];
  try {
    if (!values['skip-ingest']) {
      await measureHttpAndProcessing(lines);
      await measureLiveProcessing(lines);
    }
    collectGarbage();
    if (!values['skip-import']) await measureImport(lines);
    collectGarbage();
    if (!values['skip-loyalty']) await measureLoyalty(lines);
    collectGarbage();
    if (!values['skip-benefits']) await measureBenefitsOnBoth(lines);
    collectGarbage();
    if (!values['skip-audience'])
      lines.push(
        ...(await measureAudience(audienceMembers, {
          previewsOnly: values['audience-previews-only'],
          skipPreviews: values['audience-skip-previews'],
        })),
      );
  } finally {
    // What was measured is printed even when a fault stopped the run; the fault follows in one line.
    process.stdout.write(`\n${lines.join('\n')}\n`);
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

await main().catch((error: unknown) => {
  console.error(`bench stopped: ${messageOf(error)}`);
  process.exit(1);
});
