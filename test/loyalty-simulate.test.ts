import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { snapshotDerivedState } from './support/derived-state.ts';
import { runHearth } from './support/hearth-cli.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const day = 86_400_000;
const start = Date.UTC(2026, 0, 10, 2, 0, 0);
const directory = mkdtempSync(join(tmpdir(), 'hearth-simulate-'));

const current = {
  earning: [
    {
      id: 'orders',
      name: '1 point per CNY',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1, per: 100 },
    },
  ],
  expiry: { kind: 'never' },
};
const proposed = {
  earning: [
    {
      id: 'orders',
      name: '1 point per 2 CNY',
      event: 'Order Completed',
      award: { kind: 'perAmount', points: 1, per: 200 },
    },
  ],
  expiry: { kind: 'rolling', months: 1 },
  tiers: {
    basis: 'spend',
    levels: [
      { id: 'bronze', name: 'Bronze', threshold: 0 },
      { id: 'silver', name: 'Silver', threshold: 20_000 },
    ],
  },
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function order(orderId: string, total: number, at: number) {
  return {
    type: 'track',
    userId: 'ana',
    event: 'Order Completed',
    messageId: `order-${orderId}`,
    timestamp: new Date(at).toISOString(),
    properties: { order_id: orderId, total },
  };
}

interface Figures {
  issued: number;
  redeemed: number;
  expired: number;
  refusedOperations: number;
  outstanding: { total: number };
  tiers: Record<string, number>;
  liability: number;
}

describe('hearth simulate', () => {
  it('replays the log with a proposed program beside the current one and changes nothing live', async () => {
    const clock = createManualClock(start);
    server = await startTestServer({ clock, workspace: { currency: 'CNY', timezone: 'Asia/Shanghai' } });
    const api = createMemberApi(server);
    await api.request('PUT', '/api/loyalty/program', { body: current });
    await api.sendAndProcess([order('o-1', 300, start), order('o-2', 100, start + 40 * day)]);
    const ana = await api.memberIdOf('user_id', 'ana');
    clock.set(start + 41 * day);
    const redeemed = await api.request('POST', `/api/members/${ana}/points/redeem`, { body: { points: 250 } });
    expect(redeemed.status).toBe(200);

    const file = join(directory, 'proposed.json');
    writeFileSync(file, JSON.stringify(proposed));
    const before = await snapshotDerivedState(server.runtime.database);
    const result = await runHearth([
      'simulate',
      '--program',
      file,
      '--to',
      '2026-03-31',
      '--json',
      '--db',
      server.database.location,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { current: Figures; proposed: Figures; to: string };
    expect(report.to).toBe('2026-03-31T15:59:59.999Z');
    // As lived: 400 earned, 250 redeemed, 150 owed worth 1.50.
    expect(report.current).toMatchObject({
      issued: 400,
      redeemed: 250,
      expired: 0,
      refusedOperations: 0,
      liability: 150,
    });
    expect(report.current.outstanding.total).toBe(150);
    // Proposed: 150 for o-1 expire after a month, 50 for o-2; the 250 redemption is refused.
    expect(report.proposed).toMatchObject({
      issued: 200,
      redeemed: 0,
      expired: 200,
      refusedOperations: 1,
      liability: 0,
    });
    // 400 CNY spent in the last 12 months: Silver under the proposed tiers; the current program has none.
    expect([report.current.tiers, report.proposed.tiers]).toEqual([{}, { silver: 1 }]);
    expect(await snapshotDerivedState(server.runtime.database)).toEqual(before);

    const text = await runHearth(['simulate', '--program', file, '--db', server.database.location]);
    expect(text.stdout).toMatch(/points issued\s+400\s+200\s+-200/);
  });

  it('refuses an invalid proposed program, naming the path', async () => {
    server = await startTestServer();
    const file = join(directory, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ earning: [{ id: 'x', name: 'X', event: 'E', award: { kind: 'fixed', points: 0 } }] }),
    );
    const result = await runHearth(['simulate', '--program', file, '--db', server.database.location]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('earning.0.award.points: must be more than 0');
    writeFileSync(join(directory, 'proposed.json'), JSON.stringify(proposed));
    const badDay = await runHearth([
      'simulate',
      '--program',
      join(directory, 'proposed.json'),
      '--from',
      '2026-13-01',
      '--db',
      server.database.location,
    ]);
    expect([badDay.code, badDay.stderr.trim()]).toEqual([
      1,
      'hearth: --from: 2026-13-01 is not a date like 2026-05-01',
    ]);
  });
});
