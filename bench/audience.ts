// The audience part of `npm run bench`: segment preview latency over `hearth demo --members N`
// beside a hand-written SQL count of the same members (the raw limit), the time from an event to
// the segment membership it causes, and a full evaluation of 100 saved segments.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import type { Agent } from 'node:http';
import { exchange, keepAliveAgent } from './http-client.ts';
import { root, runHearthCli, startServeProcess, type ServeProcess } from './serve-process.ts';
import { handWrittenCounts, previewDefinitions, savedSegmentDefinitions } from './audience-definitions.ts';
import { measureTagsAtScale } from './audience-tags.ts';

interface DemoKeys {
  workspaceId: string;
  writeKey: string;
  secretKey: string;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

/** The demo database is built once per size and kept in .bench/ (it takes minutes at 1M members). */
async function demoDatabase(members: number): Promise<{ database: string; keys: DemoKeys; built: string }> {
  const directory = join(root, '.bench', 'audience');
  mkdirSync(directory, { recursive: true });
  const database = join(directory, `demo-${members}.db`);
  const keysFile = `${database}.keys.json`;
  if (existsSync(database) && existsSync(keysFile)) {
    return {
      database,
      keys: JSON.parse(readFileSync(keysFile, 'utf8')) as DemoKeys,
      built: 'kept from an earlier run',
    };
  }
  const started = performance.now();
  const output = await runHearthCli(['demo', '--members', String(members), '--db', database, '--json']);
  const result = JSON.parse(output) as { workspaceId: string; created: { writeKey: string; secretKey: string } };
  const keys = { workspaceId: result.workspaceId, ...result.created };
  writeFileSync(keysFile, JSON.stringify(keys));
  return { database, keys, built: `built by hearth demo in ${((performance.now() - started) / 1000).toFixed(0)} s` };
}

const agents = new WeakMap<ServeProcess, Agent>();

function agentOf(server: ServeProcess): Agent {
  let agent = agents.get(server);
  if (!agent) {
    agent = keepAliveAgent(4);
    agents.set(server, agent);
  }
  return agent;
}

/**
 * One API call. A keep-alive socket the server closed while the bench was busy elsewhere fails
 * the next request at once; it is retried on a new socket (writes carry an idempotency key).
 */
async function api<T>(server: ServeProcess, method: string, path: string, body?: unknown): Promise<T> {
  const key = `bench-${performance.now()}-${Math.random()}`;
  const headers = {
    authorization: `Bearer ${server.secretKey}`,
    'idempotency-key': key,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const encoded = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await exchange(agentOf(server), new URL(`${server.url}${path}`), method, headers, encoded);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
      return JSON.parse(response.text) as T;
    } catch (error) {
      // A count that runs for minutes (the hand-written SQL at 1M members) outlasts the keep-alive.
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
      const socketClosed = ['ECONNRESET', 'EPIPE'].includes(code);
      if (!socketClosed || attempt === 3) throw error;
    }
  }
}

/**
 * At 1M members the audience part runs for an hour or more: each figure is also shown on stderr as
 * it is measured, so a run cut short still reports what it reached.
 */
function pushAndShow(lines: string[], ...measured: string[]): void {
  for (const line of measured) process.stderr.write(`${line}\n`);
  lines.push(...measured);
}

async function timeRuns(runs: number, run: () => Promise<unknown> | unknown): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let index = 0; index < runs + 2; index += 1) {
    const started = performance.now();
    await run();
    // The first two warm the caches.
    if (index >= 2) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

interface PreviewAnswer {
  count: number;
  countedBy: 'index' | 'database';
}

/**
 * The first preview of a definition is answered by SQL while the index builds (or loads the
 * events it names) in the background: the bench times that answer and how long until the index
 * answers, then times previews from the index.
 */
async function waitForIndex(server: ServeProcess, definition: unknown) {
  const preview = () => api<PreviewAnswer>(server, 'POST', '/api/segments/preview', { definition, sample: 10 });
  const started = performance.now();
  const first = await preview();
  const firstMilliseconds = performance.now() - started;
  const giveUpAt = Date.now() + 30 * 60_000;
  while (first.countedBy !== 'index' && (await preview()).countedBy !== 'index') {
    if (Date.now() > giveUpAt) throw new Error('the preview index did not answer within 30 minutes');
    await new Promise((wait) => setTimeout(wait, 250));
  }
  return { first, firstMilliseconds, readySeconds: (performance.now() - started) / 1000 };
}

async function measurePreviews(server: ServeProcess, database: string, population: DemoKeys & { members: number }) {
  const lines: string[] = [];
  const { workspaceId } = population;
  const runs = 20;
  const raw = new BetterSqlite3(database, { readonly: true });
  try {
    for (const [label, definition] of Object.entries(previewDefinitions)) {
      const cold = await waitForIndex(server, definition);
      let answer: PreviewAnswer = cold.first;
      let bySql = 0;
      const ours = await timeRuns(runs, async () => {
        answer = await api<PreviewAnswer>(server, 'POST', '/api/segments/preview', { definition, sample: 10 });
        if (answer.countedBy !== 'index') bySql += 1;
      });
      const statement = raw.prepare(handWrittenCounts[label] ?? '');
      let handCount = 0;
      const hand = await timeRuns(label === 'complex' && population.members > 200_000 ? 3 : runs, () => {
        handCount = Number((statement.get({ workspace: workspaceId, now: Date.now() }) as { count: number }).count);
      });
      pushAndShow(
        lines,
        `  preview ${label.padEnd(8)} ${answer.count.toLocaleString('en')} members: p50 ${ours.p50.toFixed(0)} ms, p95 ${ours.p95.toFixed(0)} ms` +
          `${bySql > 0 ? ` (${bySql} of ${runs + 2} by SQL)` : ''}` +
          ` | hand-written SQL count ${handCount.toLocaleString('en')}: p50 ${hand.p50.toFixed(0)} ms; ratio ${(hand.p50 / ours.p50).toFixed(2)}`,
        `    first ask: ${cold.first.count.toLocaleString('en')} by ${cold.first.countedBy} in ${cold.firstMilliseconds.toFixed(0)} ms; ` +
          `index answering after ${cold.readySeconds.toFixed(1)} s`,
      );
    }
  } finally {
    raw.close();
  }
  return lines;
}

/** From sending an event over HTTP to seeing its member in the saved segment it puts them in. */
async function measureEventToEntered(server: ServeProcess, lines: string[]) {
  const probe = await api<{ id: string }>(server, 'POST', '/api/segments', {
    name: `Bench probe ${Date.now()}`,
    definition: { type: 'trait', path: 'bench_probe', op: 'eq', value: 'in' },
  });
  const latencies: number[] = [];
  const authorization = `Basic ${Buffer.from(`${server.writeKey}:`).toString('base64')}`;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const before = (await api<{ size: number }>(server, 'GET', `/api/segments/${probe.id}`)).size;
    const started = performance.now();
    const sent = await fetch(`${server.url}/v1/identify`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: `bench-probe-${Date.now()}-${attempt}`, traits: { bench_probe: 'in' } }),
    });
    if (sent.status !== 200) throw new Error(`identify: ${sent.status}`);
    while ((await api<{ size: number }>(server, 'GET', `/api/segments/${probe.id}`)).size === before) {
      await new Promise((wait) => setTimeout(wait, 2));
    }
    latencies.push(performance.now() - started);
  }
  await api(server, 'DELETE', `/api/segments/${probe.id}`);
  latencies.sort((a, b) => a - b);
  pushAndShow(
    lines,
    `  event → Segment Entered (HTTP identify to membership visible): p50 ${percentile(latencies, 0.5).toFixed(0)} ms, ` +
      `p95 ${percentile(latencies, 0.95).toFixed(0)} ms`,
  );
}

/** 100 saved segments, each evaluated over the whole population as it is saved (the caller removes them). */
async function measureRecompute(server: ServeProcess, lines: string[]): Promise<string[]> {
  const definitions = savedSegmentDefinitions(100);
  const ids: string[] = [];
  const slowest: Array<[number, string]> = [];
  const started = performance.now();
  let members = 0;
  for (const [index, definition] of definitions.entries()) {
    const one = performance.now();
    const saved = await api<{ id: string; size: number }>(server, 'POST', '/api/segments', {
      name: `Bench segment ${Date.now()}-${index}`,
      definition,
    });
    const milliseconds = performance.now() - one;
    slowest.push([milliseconds, definition.type]);
    // Progress on stderr only: a run cut short (an hour at 1M on a cold disk) still shows how far it got.
    process.stderr.write(
      `    saved segment ${index + 1}/${definitions.length} (${definition.type}): ${saved.size.toLocaleString('en')} members in ${(milliseconds / 1000).toFixed(1)} s\n`,
    );
    ids.push(saved.id);
    members += saved.size;
  }
  const seconds = (performance.now() - started) / 1000;
  slowest.sort((a, b) => b[0] - a[0]);
  pushAndShow(
    lines,
    `  full evaluation of 100 saved segments: ${seconds.toFixed(1)} s (${(seconds * 10).toFixed(0)} ms each, ` +
      `${members.toLocaleString('en')} memberships written; slowest ` +
      `${slowest
        .slice(0, 3)
        .map(([ms, type]) => `${type} ${(ms / 1000).toFixed(1)} s`)
        .join(', ')})`,
  );
  return ids;
}

/**
 * Waits until the server has processed the whole log and no timer is due (a freshly built demo
 * still moves children through life stages for a while): counts taken before that move.
 */
async function waitUntilSettled(database: string): Promise<void> {
  const raw = new BetterSqlite3(database, { readonly: true });
  const giveUpAt = Date.now() + 600_000;
  try {
    while (Date.now() < giveUpAt) {
      const last = (raw.prepare('select coalesce(max(seq), 0) as seq from events').get() as { seq: number }).seq;
      const checkpoint = (
        raw.prepare('select coalesce(max(position), 0) as seq from processor_checkpoints').get() as { seq: number }
      ).seq;
      const due = (
        raw.prepare('select count(*) as due from timers where due_at <= ?').get(Date.now()) as { due: number }
      ).due;
      if (checkpoint >= last && due === 0) return;
      await new Promise((wait) => setTimeout(wait, 1_000));
    }
  } finally {
    raw.close();
  }
}

export async function measureAudience(
  members: number,
  options: { previewsOnly: boolean; skipPreviews: boolean },
): Promise<string[]> {
  const { database, keys, built } = await demoDatabase(members);
  const server = await startServeProcess(database, { keys });
  try {
    await waitUntilSettled(database);
    const lines = [`Audience over hearth demo --members ${members.toLocaleString('en')} (SQLite, ${built})`];
    if (!options.skipPreviews) lines.push(...(await measurePreviews(server, database, { ...keys, members })));
    if (options.previewsOnly) return lines;
    const saved = await measureRecompute(server, lines);
    // With the 100 segments in place: each event is evaluated against all of them.
    await measureEventToEntered(server, lines);
    for (const id of saved) await api(server, 'DELETE', `/api/segments/${id}`);
    lines.push(...(await measureTagsAtScale(database, (method, path, body) => api(server, method, path, body))));
    return lines;
  } finally {
    agentOf(server).destroy();
    await server.stop();
  }
}
