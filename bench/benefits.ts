// Benefits through the real server: a million coupon codes generated, claims and redemptions
// of one template under contention, and product code scans, each beside its raw limit.
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { generateCodes } from '../src/modules/benefits/coupon-codes.ts';
import { call, createMembers, endCalls } from './loyalty.ts';
import { startServeProcess, type ServeProcess } from './serve-process.ts';

interface Answered {
  status: number;
  body: Record<string, unknown>;
}

async function request(server: ServeProcess, method: string, path: string, body?: unknown): Promise<Answered> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text },
  };
}

/** Runs the calls `concurrency` at a time: per second, and how many answered each status. */
async function runAll(calls: Array<() => Promise<number>>, concurrency: number) {
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    for (let index = next++; index < calls.length; index = next++) {
      const status = await (calls[index] as () => Promise<number>)();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const counts = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${count} × ${status}`);
  return { perSecond: Math.round(calls.length / seconds), seconds, counts: counts.join(', ') };
}

/** The raw limit for code generation: the same rows by a bare insert (one prepared statement or multi-row INSERTs). */
async function rawCodeInsert(database: string, count: number): Promise<number> {
  const codes = generateCodes('HX-####-????', count);
  const started = performance.now();
  if (database.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    await client.query(
      'create temporary table raw_codes (workspace_id text, code text, owner_id text, position bigint, primary key (workspace_id, code))',
    );
    for (let from = 0; from < codes.length; from += 1_000) {
      const chunk = codes.slice(from, from + 1_000);
      const values = chunk.map((_, index) => `('w', $${index + 1}, 't', ${from + index})`).join(',');
      await client.query(`insert into raw_codes values ${values}`, chunk);
    }
    await client.end();
  } else {
    const db = new Database(database);
    db.exec(
      'create table if not exists raw_codes (workspace_id text, code text, owner_id text, position integer, primary key (workspace_id, code))',
    );
    const insert = db.prepare('insert into raw_codes values (?, ?, ?, ?)');
    db.transaction(() => codes.forEach((code, index) => insert.run('w', code, 't', index)))();
    db.exec('drop table raw_codes');
    db.close();
  }
  return (performance.now() - started) / 1000;
}

async function measureCodeGeneration(server: ServeProcess, database: string, count: number): Promise<string[]> {
  const template = await request(server, 'POST', '/api/coupon-templates', {
    name: 'Bench pool',
    discount: { type: 'amount', amount: 500 },
    validity: { type: 'afterIssue', days: 30 },
    codes: { type: 'generated', pattern: 'HX-####-????' },
  });
  const started = performance.now();
  const generated = await request(server, 'POST', `/api/coupon-templates/${String(template.body.id)}/codes/generate`, {
    count,
  });
  const seconds = (performance.now() - started) / 1000;
  if (generated.status !== 200)
    throw new Error(`generating codes: HTTP ${generated.status} ${JSON.stringify(generated.body)}`);
  const raw = await rawCodeInsert(database, count);
  return [
    `  ${count.toLocaleString('en')} codes generated:   ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString('en')}/s, ${String(generated.body.added)} added)`,
    `  raw limit:                 ${raw.toFixed(1)} s for the same rows by a bare insert; ratio ${(raw / seconds).toFixed(2)}`,
  ];
}

/** The raw limit for a decided write: one single-row UPDATE in its own transaction, one after another. */
async function rawUpdates(database: string, count: number): Promise<number> {
  if (database.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    await client.query('create temporary table raw_coupons (id integer primary key, status text)');
    await client.query('insert into raw_coupons select g, $1 from generate_series(1, $2) g', ['collected', count]);
    const begun = performance.now();
    for (let id = 1; id <= count; id += 1)
      await client.query(`update raw_coupons set status = 'redeemed' where id = $1`, [id]);
    await client.end();
    return count / ((performance.now() - begun) / 1000);
  }
  const db = new Database(database);
  db.pragma('journal_mode = WAL');
  db.exec('create table if not exists raw_coupons (id integer primary key, status text)');
  db.transaction(() => {
    const insert = db.prepare('insert or replace into raw_coupons values (?, ?)');
    for (let id = 1; id <= count; id += 1) insert.run(id, 'collected');
  })();
  const update = db.prepare(`update raw_coupons set status = 'redeemed' where id = ?`);
  const begun = performance.now();
  for (let id = 1; id <= count; id += 1) db.transaction(() => update.run(id))();
  const perSecond = count / ((performance.now() - begun) / 1000);
  db.exec('drop table raw_coupons');
  db.close();
  return perSecond;
}

async function measureContention(server: ServeProcess, members: string[], concurrency: number): Promise<string[]> {
  const quantity = Math.floor(members.length / 2);
  await request(server, 'POST', '/api/coupon-templates', {
    name: 'Bench flash sale',
    discount: { type: 'amount', amount: 1_000 },
    validity: { type: 'afterIssue', days: 30 },
    quantity,
    codes: { type: 'shared', code: 'FLASH' },
  });
  const couponIds: string[] = [];
  const claims = await runAll(
    members.map((member) => async () => {
      const answer = await request(server, 'POST', `/api/members/${member}/coupons/claim`, { code: 'FLASH' });
      const coupon = answer.body.coupon as { id?: string } | undefined;
      if (coupon?.id) couponIds.push(coupon.id);
      return answer.status;
    }),
    concurrency,
  );
  const order = (id: string, suffix: string) => ({ order: { orderId: `${id}-${suffix}`, total: 20_000 } });
  const redeems = await runAll(
    couponIds.flatMap((id) => [
      () => call(server, 'POST', `/api/coupons/${id}/redeem`, order(id, 'a')),
      () => call(server, 'POST', `/api/coupons/${id}/redeem`, order(id, 'b')),
    ]),
    concurrency,
  );
  return [
    `  claims of one template:    ${claims.perSecond.toLocaleString('en')}/s (${members.length} members for ${quantity} coupons: ${claims.counts})`,
    `  redemptions, two orders per coupon: ${redeems.perSecond.toLocaleString('en')}/s (${redeems.counts})`,
  ];
}

async function measureScans(server: ServeProcess, members: string[], concurrency: number): Promise<string[]> {
  const batch = await request(server, 'POST', '/api/code-batches', {
    name: 'Bench tins',
    count: members.length,
    worth: { type: 'points', points: 10 },
  });
  const csv = await request(server, 'GET', `/api/code-batches/${String(batch.body.id)}/codes`);
  const codes = String(csv.body.text ?? '')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0] ?? '');
  // Every code scanned by its member, and once more by the next member: one 200 and one 409 each.
  const scans = await runAll(
    codes.flatMap((code, index) => [
      () => call(server, 'POST', '/api/codes/scan', { code, member: members[index] }),
      () => call(server, 'POST', '/api/codes/scan', { code, member: members[(index + 1) % members.length] }),
    ]),
    concurrency,
  );
  return [`  product code scans:        ${scans.perSecond.toLocaleString('en')}/s (${scans.counts})`];
}

export async function measureBenefits(options: {
  database: string;
  label: string;
  codes: number;
  members: number;
  concurrency: number;
}): Promise<string[]> {
  const server = await startServeProcess(options.database);
  try {
    const members = await createMembers(server, options.members);
    const lines = [`Benefits over HTTP (${options.label}; ${options.concurrency} concurrent)`];
    lines.push(...(await measureCodeGeneration(server, options.database, options.codes)));
    lines.push(...(await measureContention(server, members, options.concurrency)));
    lines.push(...(await measureScans(server, members, options.concurrency)));
    const raw = await rawUpdates(options.database, 2_000);
    lines.push(
      `  raw limit:                 ${Math.round(raw).toLocaleString('en')}/s single-row UPDATEs, each its own transaction`,
    );
    return lines;
  } finally {
    endCalls(server);
    await server.stop();
  }
}
