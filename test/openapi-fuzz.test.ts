import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { differences, dumpDatabase, type DatabaseDump, type DumpDifference } from './support/database-dump.ts';
import { seedWorkspace } from './support/fuzz-seed.ts';
import type { JsonSchema, SchemaContext } from './support/openapi-arbitraries.ts';
import { requestsFor, type DocumentedOperation, type FuzzRequest } from './support/openapi-requests.ts';
import { startTestServer } from './support/test-server.ts';

/**
 * Every operation of /openapi.json gets requests generated from its document: mostly near the
 * documented shape, many with wrong types, out-of-bound numbers, missing and extra fields,
 * unicode, very long strings, deep nesting, bad ids and bad or missing keys. Each answer must be
 * no 5xx, within 2 s, of a status the document lists, an error with the documented `Error` body,
 * and a 4xx must leave the database as it was.
 *
 * What a 4xx may leave: a refusal the processor *decided* (409 not enough points, 422 a reused
 * key) is an attempt the log keeps, so it may add the `hearth_operation` event, the stage's record
 * of the attempt (its answer; an unknown product code scanned, for the guess limit) and the
 * checkpoint's move past it. Nothing else: no derived state.
 *
 * Reproduce with the same seed: HEARTH_FUZZ_SEED=<n> (default below); HEARTH_FUZZ_RUNS=<n>
 * requests per operation (default 8) for a longer hunt.
 */
const seed = Number(process.env.HEARTH_FUZZ_SEED ?? 20_261_207);
const runs = Number(process.env.HEARTH_FUZZ_RUNS ?? 8);
const timeLimitMs = 2_000;
/** A request still unanswered by then is reported as such (rather than hanging the run). */
const abandonAfterMs = 15_000;

interface KnownFault {
  /** Named in an `it.todo`, so the gap shows in every run. */
  todo: string;
  /** Not fuzzed at all: a request could keep the server busy for minutes. */
  skip?: true;
  /** The tables whose change after a 4xx is let pass here; every other check stands. */
  tolerate?: readonly string[];
}

const pointsRefusalFault: KnownFault = {
  todo: 'a refused points operation (404 no hold, 409 not enough, 422 step) advances the member’s points account to the attempt’s time (points_accounts, its timers), or creates an empty one: derived state written by a 4xx',
  tolerate: ['points_accounts', 'timers'],
};

/** Faults the fuzz test found that need more than a small fix, by operation. */
const knownFaults: Record<string, KnownFault> = {
  'POST /api/code-batches': {
    todo: 'answers within 2 s only up to ~50,000 codes, while a batch may have 5,000,000 (100,000 took 3.5 s): needs a job answered 202',
    skip: true,
  },
  'POST /api/coupon-templates/{id}/codes/generate': {
    todo: 'answers within 2 s only up to ~100,000 codes, while it may generate 5,000,000: needs a job answered 202',
    skip: true,
  },
  ...Object.fromEntries(
    ['adjust', 'redeem', 'reserve', 'commit', 'release'].map((action) => [
      `POST /api/members/{id}/points/${action}`,
      pointsRefusalFault,
    ]),
  ),
};
/** Answered by Node's HTTP parser, before any route, without a body: a URL or headers too large. */
const parserStatuses = new Set([414, 431]);
/** Answered beneath the routes: those, and 404 for a path no route matches. Any path can get them. */
const transportStatuses = new Set([404, ...parserStatuses]);

const server = await startTestServer();
const seeded = await seedWorkspace(server);
const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
  paths: Record<string, Record<string, Omit<DocumentedOperation, 'method' | 'path'>>>;
  components: { schemas: Record<string, JsonSchema> };
};
const context: SchemaContext = {
  ids: Object.values(seeded).flat(),
  idsOf: (collection) => seeded[collection] ?? [],
  resolve: (reference) => document.components.schemas[reference.replace('#/components/schemas/', '')] ?? {},
};
const operations: DocumentedOperation[] = Object.entries(document.paths).flatMap(([path, byMethod]) =>
  Object.entries(byMethod).map(([method, operation]) => ({ ...operation, method: method.toUpperCase(), path })),
);

afterAll(async () => {
  await server.close();
});

/** A seed per operation, so one operation's requests don't change when another is added. */
function seedOf(operation: DocumentedOperation): number {
  let hash = seed;
  for (const character of `${operation.method} ${operation.path}`) hash = (hash * 31 + character.charCodeAt(0)) | 0;
  return hash;
}

/**
 * Where stages record a refused attempt itself: the answer they decided for an operation, and
 * unknown product codes scanned, which the guess limiter counts by design (429 after too many).
 */
const attemptRecordTables = new Set([
  'benefit_operation_results',
  'loyalty_operation_results',
  'product_code_attempts',
]);

/** What a decided refusal leaves: the attempt in the log, its recorded answer, the checkpoint past it. */
function allowedAfterRefusal(difference: DumpDifference, fault: KnownFault | undefined): boolean {
  if (fault?.tolerate?.includes(difference.table) || difference.table === 'processor_checkpoints') return true;
  if (difference.removed.length > 0) return false;
  if (attemptRecordTables.has(difference.table)) return true;
  return difference.table === 'events' && difference.added.every((row) => row.includes('"hearth_operation"'));
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body === undefined ? '' : ` body ${request.body.slice(0, 300)}`;
  return `${request.method} ${request.path.slice(0, 300)} headers ${JSON.stringify(request.headers).slice(0, 300)}${body}`;
}

let quiet: DatabaseDump | undefined;

async function settledDump(): Promise<DatabaseDump> {
  await server.runtime.processor.runUntilIdle();
  return dumpDatabase(server.runtime.database);
}

/** The document's `Error`: a code and a message at least. */
function isErrorBody(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    return typeof body.error === 'string' && typeof body.message === 'string';
  } catch {
    return false;
  }
}

interface Answer {
  status: number;
  text: string;
  elapsed: number;
}

async function send(request: FuzzRequest): Promise<Answer | Error> {
  const started = performance.now();
  try {
    const response = await fetch(`${server.url}${request.path}`, {
      method: request.method,
      headers: request.headers,
      signal: AbortSignal.timeout(abandonAfterMs),
      ...(request.body === undefined || request.method === 'GET' ? {} : { body: request.body }),
    });
    const text = await response.text();
    return { status: response.status, text, elapsed: performance.now() - started };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Sends one request; returns what was wrong with the answer (nothing when all is well). */
async function check(operation: DocumentedOperation, request: FuzzRequest): Promise<string[]> {
  const before = quiet ?? (await settledDump());
  quiet = undefined;
  const answer = await send(request);
  if (answer instanceof Error)
    return [`no answer in ${abandonAfterMs} ms (${answer.message}): ${describeRequest(request)}`];
  const faults: string[] = [];
  const what = `${describeRequest(request)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  if (answer.status >= 500) faults.push(`5xx: ${what}`);
  if (answer.elapsed > timeLimitMs) faults.push(`took ${Math.round(answer.elapsed)} ms: ${what}`);
  if (!(String(answer.status) in operation.responses) && !transportStatuses.has(answer.status))
    faults.push(`undocumented status: ${what}`);
  if (answer.status >= 400 && !parserStatuses.has(answer.status) && !isErrorBody(answer.text))
    faults.push(`not the documented error body: ${what}`);
  if (answer.status >= 400 && answer.status < 500) {
    const after = await settledDump();
    const fault = knownFaults[`${operation.method} ${operation.path}`];
    const changed = differences(before, after).filter((difference) => !allowedAfterRefusal(difference, fault));
    if (changed.length > 0) faults.push(`4xx changed ${JSON.stringify(changed).slice(0, 1500)}: ${what}`);
    quiet = after;
  }
  return faults;
}

describe(`every operation of /openapi.json, fuzzed (seed ${seed}, ${runs} requests each)`, () => {
  for (const operation of operations) {
    const fault = knownFaults[`${operation.method} ${operation.path}`];
    if (fault) it.todo(`${operation.method} ${operation.path}: ${fault.todo}`);
    if (fault?.skip) continue;
    it(`${operation.method} ${operation.path}`, async () => {
      const requests = fc.sample(requestsFor(operation, context, server), { numRuns: runs, seed: seedOf(operation) });
      const faults: string[] = [];
      for (const request of requests) faults.push(...(await check(operation, request)));
      expect(faults).toEqual([]);
    });
  }
});
