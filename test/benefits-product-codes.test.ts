import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../src/platform/clock.ts';
import { replayInPlace } from './support/derived-state.ts';
import { runHearth } from './support/hearth-cli.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const start = Date.UTC(2026, 4, 1, 2, 0, 0);
const hour = 3_600_000;

interface Batch {
  id: string;
  size: number;
  scanned: number;
}
interface ScanAnswer {
  scan?: { code: string; memberId: string; store: string | null; homeStore: string | null; worth: unknown };
  error?: string;
  message?: string;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('product codes (one item, one code)', () => {
  it('grants points or a coupon on the first scan only, slows down guessing, binds a store, and replays', async () => {
    const clock = createManualClock(start);
    server = await startTestServer({ clock });
    const api = createMemberApi(server);
    const people = ['ana', 'bob', 'carl', 'dan'];
    await api.sendAndProcess(people.map((userId) => ({ type: 'identify', userId, traits: {} })));
    const [ana, bob, carl] = await Promise.all(people.map((person) => api.memberIdOf('user_id', person)));

    const body = { name: 'Milk powder tins, lot 7', count: 5, worth: { type: 'points', points: 50 }, bindStore: true };
    const created = await api.request<Batch>('POST', '/api/code-batches', {
      body,
      headers: { 'idempotency-key': 'lot-7' },
    });
    expect([created.status, created.body.size, created.body.scanned]).toEqual([201, 5, 0]);
    const retried = await api.request<Batch>('POST', '/api/code-batches', {
      body,
      headers: { 'idempotency-key': 'lot-7' },
    });
    expect([retried.status, retried.body.id]).toEqual([201, created.body.id]);
    const badWorth = await api.request<{ issues: Array<{ path: string }> }>('POST', '/api/code-batches', {
      body: { ...body, worth: { type: 'coupon', templateId: 'ctp_none' } },
    });
    expect([badWorth.status, badWorth.body.issues[0]?.path]).toEqual([400, 'body.worth.templateId']);

    const csv = await fetch(`${server.url}/api/code-batches/${created.body.id}/codes`, {
      headers: { authorization: server.apiAuth },
    });
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('code,position,member_id,scanned_at');
    const codes = lines.slice(1).map((line) => line.split(',')[0] ?? '');
    expect(codes).toHaveLength(5);
    for (const code of codes) expect(code).toMatch(/^[A-HJ-NP-Z]{4}-[A-HJ-NP-Z]{4}-[A-HJ-NP-Z]{4}$/);
    const [first, second, third] = codes as [string, string, string];
    const exported = await runHearth(['export', 'product-codes', created.body.id, '--db', server.database.location]);
    expect(exported.stdout.trim().split('\n')).toEqual(lines);

    const scan = (member: string, code: string, extra: Record<string, string> = {}) =>
      api.request<ScanAnswer>('POST', '/api/codes/scan', { body: { code, member, ...extra } });
    // The store a scan names must be one the workspace has, as for binding a home store.
    expect((await api.request('PUT', '/api/stores/SH-001', { body: { name: 'Xuhui' } })).status).toBe(201);
    const scanned = await scan(ana ?? '', first.toLowerCase(), { store: 'SH-001', channel: 'wechat' });
    expect([scanned.status, scanned.body.scan?.homeStore, scanned.body.scan?.worth]).toEqual([
      200,
      'SH-001',
      { type: 'points', points: 50 },
    ]);
    const points = await api.get<{ available: number }>(`/api/members/${ana}/points`);
    expect(points.body.available).toBe(50);
    const history = await api.get<{ entries: Array<{ source: { type: string; id: string } }> }>(
      `/api/members/${ana}/points/history`,
    );
    expect(history.body.entries.map((entry) => entry.source)).toEqual([
      { type: 'benefit', id: `product-code:${created.body.id}` },
    ]);
    const again = [await scan(bob ?? '', first), await scan(ana ?? '', first)];
    expect(again.map((answer) => [answer.status, answer.body.error])).toEqual([
      [409, 'already_scanned'],
      [409, 'already_scanned'],
    ]);

    const guesses = [];
    for (let guess = 0; guess < 10; guess += 1)
      guesses.push((await scan(bob ?? '', `AAAA-BBBB-${1000 + guess}`)).status);
    expect(guesses).toEqual(Array.from({ length: 10 }, () => 404));
    const blocked = await fetch(`${server.url}/api/codes/scan`, {
      method: 'POST',
      headers: { authorization: server.apiAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ code: second, member: bob }),
    });
    expect([blocked.status, blocked.headers.get('retry-after')]).toEqual([429, '3600']);
    clock.set(start + hour + 1);
    expect((await scan(bob ?? '', second)).status).toBe(200);

    const template = await api.request<{ id: string }>('POST', '/api/coupon-templates', {
      body: {
        name: 'Tin bonus',
        discount: { type: 'amount', amount: 500 },
        validity: { type: 'afterIssue', days: 30 },
        codes: { type: 'shared', code: 'TINBONUS' },
      },
    });
    const couponBatch = await api.request<Batch>('POST', '/api/code-batches', {
      body: { name: 'Tins with a coupon', count: 2, worth: { type: 'coupon', templateId: template.body.id } },
    });
    const couponCsv = await fetch(`${server.url}/api/code-batches/${couponBatch.body.id}/codes`, {
      headers: { authorization: server.apiAuth },
    });
    const couponCode = (await couponCsv.text()).split('\n')[1]?.split(',')[0] ?? '';
    expect((await scan(carl ?? '', couponCode)).status).toBe(200);
    const carls = await api.get<{ coupons: Array<{ templateId: string; status: string; cohort: string }> }>(
      `/api/members/${carl}/coupons`,
    );
    expect(carls.body.coupons.map((coupon) => [coupon.templateId, coupon.status, coupon.cohort])).toEqual([
      [template.body.id, 'collected', 'product-code'],
    ]);

    // A till sends the scan as an event: the same rules, and the same points.
    await api.sendAndProcess([{ type: 'track', userId: 'dan', event: 'Code Scanned', properties: { code: third } }]);
    const dan = await api.memberIdOf('user_id', 'dan');
    expect((await api.get<{ available: number }>(`/api/members/${dan}/points`)).body.available).toBe(50);
    const batch = await api.get<Batch>(`/api/code-batches/${created.body.id}`);
    expect(batch.body.scanned).toBe(3);
    const home = await api.get<{ store: string | null }>(`/api/members/${ana}/home-store`);
    expect(home.body.store).toBe('SH-001');

    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
  });
});
