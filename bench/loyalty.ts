// Ledger operations through the real server: adjust and redeem over HTTP, each decided by the
// processor in log order, on one member (contention) and spread over many.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { LeanHttpPool } from './lean-http.ts';
import { startServeProcess, type ServeProcess } from './serve-process.ts';
import { messageOf } from '../src/platform/errors.ts';

type Server = ServeProcess;

const pools = new WeakMap<Server, LeanHttpPool>();
/**
 * Operations before the measured phases. The server's CPU per operation kept falling for about
 * 10,000 (443, 410, 385, 387 µs after 2k, 6k, 10k, 14k on one run): after only 2,000, the phase
 * measured first (one member) was still paying the warm-up and read 20% below the second.
 */
const warmUpOperations = 10_000;

/** One call of the secret-key API on a kept-alive connection of this server's agent; the status. */
export async function call(server: Server, method: string, path: string, body: unknown, key?: string): Promise<number> {
  let pool = pools.get(server);
  if (!pool) {
    pool = new LeanHttpPool(server.url, 64);
    pools.set(server, pool);
  }
  const response = await pool.request(
    method,
    path,
    {
      authorization: `Bearer ${server.secretKey}`,
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    Buffer.from(JSON.stringify(body)),
  );
  return response.status;
}

/** Closes the kept-alive connections `call` opened to this server (before it stops). */
export function endCalls(server: Server): void {
  pools.get(server)?.close();
  pools.delete(server);
}

export async function createMembers(server: Server, count: number): Promise<string[]> {
  const authorization = `Basic ${Buffer.from(`${server.writeKey}:`).toString('base64')}`;
  for (let startAt = 0; startAt < count; startAt += 500) {
    const batch = Array.from({ length: Math.min(500, count - startAt) }, (_, index) => ({
      type: 'identify',
      userId: `bench-${startAt + index}`,
      messageId: `bench-member-${startAt + index}`,
    }));
    const response = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ batch }),
    });
    if (response.status !== 200) throw new Error(`creating members: HTTP ${response.status}`);
  }
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    for (;;) {
      const response = await fetch(`${server.url}/api/members/lookup?type=user_id&value=bench-${index}`, {
        headers: { authorization: `Bearer ${server.secretKey}` },
      });
      if (response.status === 200) {
        ids.push(((await response.json()) as { id: string }).id);
        break;
      }
      await response.arrayBuffer();
      await new Promise((wait) => setTimeout(wait, 50));
    }
  }
  return ids;
}

interface OperationFigures {
  operations: number;
  seconds: number;
  p50: number;
  p99: number;
  refused: number;
  /** CPU seconds over the run: the server's (every thread) and this client's. */
  serverCpu: number;
  clientCpu: number;
}

/** One request of a measured run by its index; resolves to its HTTP status. */
type IndexedRequest = (index: number) => Promise<number>;

/** `count` requests, `concurrency` at a time; a 409 is a refusal, any other status but 200 a fault. */
async function runRequests(server: Server, count: number, concurrency: number, request: IndexedRequest) {
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const index = next;
      next += 1;
      const started = performance.now();
      const status = await request(index);
      latencies.push(performance.now() - started);
      if (status === 409) refused += 1;
      else if (status !== 200) throw new Error(`request ${index}: HTTP ${status}`);
    }
  }
  const serverBefore = server.cpuSeconds() ?? Number.NaN;
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = (server.cpuSeconds() ?? Number.NaN) - serverBefore;
  const client = process.cpuUsage(clientBefore);
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0;
  return {
    operations: count,
    seconds,
    p50: at(0.5),
    p99: at(0.99),
    refused,
    serverCpu,
    clientCpu: (client.user + client.system) / 1e6,
  } satisfies OperationFigures;
}

/** `operations` calls, `concurrency` at a time: adjusts and redeems alternating, unique keys. */
function runOperations(server: Server, members: string[], operations: number, concurrency: number, label: string) {
  return runRequests(server, operations, concurrency, (index) => {
    // Each redeem follows an adjust on the same member, so it has points to spend.
    const member = members[Math.floor(index / 2) % members.length] as string;
    const redeem = index % 2 === 1;
    return call(
      server,
      'POST',
      `/api/members/${member}/points/${redeem ? 'redeem' : 'adjust'}`,
      redeem ? { points: 1 } : { points: 2, reason: 'bench' },
      `${label}-${index}`,
    );
  });
}

/**
 * The raw limit beside the ledger figures: the same number of the lightest round trip the server
 * answers (`GET /healthz`: no key, no body, no database), from the same client over kept-alive
 * connections, as many at a time. No operation can be answered faster than this on the machine as
 * it runs that hour, so the ratio compares runs of a fast hour and a slow one.
 */
async function runHealthChecks(server: Server, count: number, concurrency: number) {
  const pool = new LeanHttpPool(server.url, concurrency);
  try {
    return await runRequests(
      server,
      count,
      concurrency,
      async () => (await pool.request('GET', '/healthz', {})).status,
    );
  } finally {
    pool.close();
  }
}

function describeFigures(label: string, figures: OperationFigures): string {
  return (
    `  ${label.padEnd(28)}${Math.round(figures.operations / figures.seconds).toLocaleString('en')} ops/s, ` +
    `p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms (${figures.operations} ops, ${figures.refused} refused); ` +
    `CPU µs an op: server ${Math.round((figures.serverCpu / figures.operations) * 1e6)}, client ${Math.round((figures.clientCpu / figures.operations) * 1e6)}`
  );
}

/** A fresh PostgreSQL database for the run, dropped after. */
export async function withPostgresDatabase<T>(adminUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `hearth_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    const reason = messageOf(error);
    throw new Error(`--postgres ${adminUrl}: cannot create the run's database (${reason})`, { cause: error });
  }
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

export async function measureLedgerOperations(options: {
  database: string;
  label: string;
  operations: number;
  concurrency: number;
  members: number;
  profileFlags: string[];
}): Promise<string[]> {
  const server = await startServeProcess(options.database, { nodeFlags: options.profileFlags });
  try {
    const status = await call(server, 'PUT', '/api/loyalty/program', { name: 'Bench' });
    if (status !== 200) throw new Error(`saving the program: HTTP ${status}`);
    const members = await createMembers(server, options.members);
    // A server runs warm: the first operations compile the hot paths, and are not what is measured.
    await runOperations(server, members, warmUpOperations, options.concurrency, 'warm-up');
    const one = await runOperations(server, members.slice(0, 1), options.operations, options.concurrency, 'one');
    const many = await runOperations(server, members, options.operations, options.concurrency, 'many');
    const floor = await runHealthChecks(server, options.operations, options.concurrency);
    const floorRate = floor.operations / floor.seconds;
    const ratio = (figures: OperationFigures) => (figures.operations / figures.seconds / floorRate).toFixed(2);
    return [
      `Ledger operations over HTTP (${options.label}; adjust and redeem alternating, ${options.concurrency} concurrent, after ${warmUpOperations.toLocaleString('en')} to warm up)`,
      describeFigures('one member (contention):', one),
      describeFigures(`${members.length.toLocaleString('en')} members:`, many),
      `  raw limit:                  ${Math.round(floorRate).toLocaleString('en')} req/s GET /healthz, p99 ${floor.p99.toFixed(1)} ms ` +
        `(same client, ${options.concurrency} in flight; server ${Math.round((floor.serverCpu / floor.operations) * 1e6)} µs a request); ` +
        `ratio ${ratio(one)} one member, ${ratio(many)} many`,
    ];
  } finally {
    endCalls(server);
    await server.stop();
  }
}
