import { describe, expect, it } from 'vitest';
import type { Database } from '../src/platform/db/database.ts';
import { silentLogger } from '../src/platform/log.ts';
import { openRuntime } from '../src/runtime.ts';
import { createProcessor } from '../src/platform/processor/processor.ts';
import { readEventsAfter } from '../src/modules/ingest/event-log.repo.ts';
import {
  findInconsistencies,
  readCheckpoint,
  readLastSeq,
  snapshotDerivedState,
  waitForDeadSessions,
  type DerivedState,
} from './support/derived-state.ts';
import {
  cliApplicationName,
  runHearth,
  sleep,
  spawnHearth,
  waitFor,
  type HearthProcess,
} from './support/hearth-cli.ts';
import { useServerFixtures } from './support/server-fixtures.ts';

interface SentBatch {
  key: string;
  messages: Array<Record<string, unknown>>;
}

const clients = 16;
const eventsPerBatch = 25;
const users = 60;

/**
 * One client's batch: identifies that link a user id, an anonymous id and an email (so members
 * created apart merge later), anonymous views, and orders each sent twice under two messageIds
 * (so orderCount must count distinct orders, not events).
 */
function makeBatch(client: number, round: number): SentBatch {
  const key = `c${client}-r${round}`;
  const messages: Array<Record<string, unknown>> = [];
  for (let index = 0; index < eventsPerBatch; index += 1) {
    const user = (client * 7 + round * 3 + index * 11) % users;
    const messageId = `${key}-e${index}`;
    const order = `order-${key}-${Math.floor(index / 5)}`;
    const kind = index % 5;
    if (kind === 0) {
      messages.push({
        type: 'identify',
        messageId,
        userId: `user-${user}`,
        anonymousId: `anon-${user}`,
        traits: { email: `user-${user}@example.com`, round },
      });
    } else if (kind === 1) {
      messages.push({ type: 'track', messageId, anonymousId: `anon-${user}`, event: 'Product Viewed' });
    } else if (kind === 2 || kind === 3) {
      const repeated = kind === 3 ? (client * 7 + round * 3 + (index - 1) * 11) % users : user;
      messages.push({
        type: 'track',
        messageId,
        userId: `user-${repeated}`,
        event: 'Order Completed',
        properties: { order_id: order, total: 12.5 + index, currency: 'CNY' },
      });
    } else {
      messages.push({ type: 'page', messageId, anonymousId: `anon-${user}`, name: 'Home' });
    }
  }
  return { key, messages };
}

async function postBatch(url: string, writeKey: string, batch: SentBatch): Promise<number> {
  const response = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ batch: batch.messages }),
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  return response.status;
}

async function storedMessageIds(db: Database['db']): Promise<string[]> {
  const rows = await db.selectFrom('events').select('message_id').execute();
  return rows.map((row) => row.message_id);
}

async function waitUntilProcessed(db: Database['db']): Promise<number> {
  return waitFor('the processor to catch up', async () => {
    const last = await readLastSeq(db);
    return (await readCheckpoint(db)) === last ? last : undefined;
  });
}

/** Stops the processes cleanly, then rebuilds everything with `hearth replay` and returns both states. */
async function compareWithReplay(processes: HearthProcess[], location: string, inspector: Database) {
  for (const running of processes) {
    expect(running.errorLogs()).toEqual([]);
    expect(await running.kill('SIGTERM'), running.output().stderr).toEqual({ code: 0, signal: null });
  }
  const live = await snapshotDerivedState(inspector);
  const replay = await runHearth(['replay', '--json', '--db', location]);
  expect(replay.code, replay.stderr).toBe(0);
  const replayed: DerivedState = await snapshotDerivedState(inspector);
  return { live, replayed, replayOutput: JSON.parse(replay.stdout) as { events: number } };
}

describe('durability of the real server process', () => {
  const { setup, serve, defer } = useServerFixtures();

  it('keeps every acknowledged event through kill -9 mid-stream, once, and applies each once', async () => {
    const { database, inspector } = await setup();
    const first = await serve(database.location);
    const keys = first.keys;
    if (!keys) throw new Error(`serve printed no keys on an empty database:\n${first.output().stdout}`);

    const acknowledged: SentBatch[] = [];
    const unacknowledged: SentBatch[] = [];
    const killAfter = 120;
    let killed = false;
    const client = async (index: number) => {
      for (let round = 0; ; round += 1) {
        const batch = makeBatch(index, round);
        const status = await postBatch(first.url, keys.writeKey, batch).catch(() => undefined);
        if (status === 200) acknowledged.push(batch);
        else unacknowledged.push(batch);
        if (status === undefined) return;
        if (acknowledged.length >= killAfter && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
    const exit = await first.kill('SIGKILL');
    expect(exit, `the server died of something else:\n${first.output().stderr}`).toEqual({
      code: null,
      signal: 'SIGKILL',
    });
    expect(first.errorLogs()).toEqual([]);
    await waitForDeadSessions(inspector, cliApplicationName);
    expect(acknowledged.length).toBeGreaterThanOrEqual(killAfter);
    // Requests were in flight when the process died: the kill really landed mid-stream.
    expect(unacknowledged.length).toBeGreaterThan(0);

    // Straight after the crash: every acknowledged event is stored, and the checkpoint matches the state.
    const afterCrash = new Set(await storedMessageIds(inspector.db));
    const lost = acknowledged
      .flatMap((batch) => batch.messages.map((message) => String(message.messageId)))
      .filter((messageId) => !afterCrash.has(messageId));
    expect(lost).toEqual([]);
    expect(await findInconsistencies(inspector)).toEqual([]);

    // Restart; the clients retry what was not acknowledged, and some acknowledged batches too.
    const second = await serve(database.location);
    expect(second.keys).toBeUndefined();
    const retried = [...unacknowledged, ...acknowledged.slice(0, 10)];
    const statuses = await Promise.all(retried.map((batch) => postBatch(second.url, keys.writeKey, batch)));
    expect(statuses.every((status) => status === 200)).toBe(true);

    const last = await waitUntilProcessed(inspector.db);
    const sent = [...acknowledged, ...unacknowledged].flatMap((batch) =>
      batch.messages.map((m) => String(m.messageId)),
    );
    const stored = await storedMessageIds(inspector.db);
    expect(stored.length).toBe(sent.length);
    expect(new Set(stored)).toEqual(new Set(sent));
    expect(await findInconsistencies(inspector)).toEqual([]);
    const merged = await inspector.db.selectFrom('members').select('id').where('merged_into', 'is not', null).execute();
    expect(merged.length).toBeGreaterThan(0);

    const { live, replayed, replayOutput } = await compareWithReplay([second], database.location, inspector);
    expect(replayOutput.events).toBe(stored.length);
    expect(live.checkpoint).toBe(last);
    expect(replayed).toEqual(live);
  }, 180_000);

  it('leaves the checkpoint consistent when killed while the processor applies a large batch', async () => {
    const { database, inspector } = await setup();
    const demo = await runHearth([
      'demo',
      '--members',
      '1500',
      '--seed',
      '11',
      '--no-process',
      '--json',
      '--db',
      database.location,
    ]);
    expect(demo.code, demo.stderr).toBe(0);
    const loaded = JSON.parse(demo.stdout) as { accepted: number };
    const last = await readLastSeq(inspector.db);
    expect(loaded.accepted).toBeGreaterThan(20_000);
    expect(await readCheckpoint(inspector.db)).toBe(0);
    const checkpointAbove = (position: number) =>
      waitFor(`a checkpoint above ${position}`, async () => {
        const current = await readCheckpoint(inspector.db);
        return current > position ? current : undefined;
      });

    // The processor takes 2,000 events a transaction. Each round lets it commit two batches, to time
    // one, then kills it at a different point of the next: right after a commit, half-way, and late
    // (where a state commit separate from its checkpoint would show). The worker is killed too.
    const rounds: Array<[number, string[]]> = [
      [0, ['serve', '--port', '0']],
      [0.5, ['worker']],
      [0.9, ['serve', '--port', '0']],
    ];
    for (const [fraction, command] of rounds) {
      // Not waiting for /healthz: the processor starts before it, and its progress is what is timed.
      const running = spawnHearth([...command, '--db', database.location]);
      defer(() => running.kill('SIGKILL'));
      const started = await checkpointAbove(await readCheckpoint(inspector.db));
      const startedAt = Date.now();
      await checkpointAbove(started);
      await sleep(fraction * (Date.now() - startedAt));
      expect(await running.kill('SIGKILL'), running.output().stderr).toEqual({ code: null, signal: 'SIGKILL' });
      expect(running.errorLogs()).toEqual([]);
      await waitForDeadSessions(inspector, cliApplicationName);
      const position = await readCheckpoint(inspector.db);
      expect(position).toBeLessThan(last);
      expect(await findInconsistencies(inspector), `${command[0]} killed at ${position}`).toEqual([]);
    }

    // What the crashes left equals a fresh processing of exactly the checkpointed prefix, in one batch.
    const crashed = await snapshotDerivedState(inspector);
    const prefix = await inspector.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('seq', '<=', crashed.checkpoint)
      .executeTakeFirstOrThrow();
    const batchSize = Number(prefix.count);
    const runtime = await openRuntime({ database: database.location, logger: silentLogger });
    try {
      // As few batches as the log allows: a clock tick the processes appended is a batch of its own.
      const prefixOnly = createProcessor({
        database: runtime.database,
        clock: runtime.clock,
        logger: silentLogger,
        stages: [...runtime.stages],
        batchSize,
        readEventsAfter: async (db, position, limit) =>
          (await readEventsAfter(db, position, limit)).filter((event) => event.seq <= crashed.checkpoint),
      });
      await prefixOnly.reset();
      expect(await prefixOnly.runUntilIdle()).toBe(batchSize);
    } finally {
      await runtime.close();
    }
    expect(await snapshotDerivedState(inspector)).toEqual(crashed);

    // Two workers restarted together take turns through the lock and carry on from the checkpoint
    // to the end, applying nothing twice.
    const workers = [0, 1].map(() => spawnHearth(['worker', '--db', database.location]));
    for (const worker of workers) defer(() => worker.kill('SIGKILL'));
    // Processes may have appended clock ticks (children's life stages fall due) past `last`.
    expect(await waitUntilProcessed(inspector.db)).toBeGreaterThanOrEqual(last);
    expect(await findInconsistencies(inspector)).toEqual([]);
    const { live, replayed, replayOutput } = await compareWithReplay(workers, database.location, inspector);
    const logged = await inspector.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(replayOutput.events).toBe(Number(logged.count));
    expect(replayed).toEqual(live);
  }, 180_000);
});
