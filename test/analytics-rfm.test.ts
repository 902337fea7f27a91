import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importWithMapping, repoRoot } from './support/hearth-cli.ts';
import { createMemberApi, type MemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const ordersCsv = resolve(repoRoot, '../shared/data/rfm_data_orders.csv');
const mapping = resolve(repoRoot, 'examples/rfm-orders-mapping.json');

interface RfmBody {
  customers: number;
  orders: number;
  revenue: number;
  thresholds: Record<'recency' | 'frequency' | 'monetary', { lower: number[]; upper: number[] }>;
  segments: Array<{ name: string; customers: number; orders: number; revenue: number }>;
  members: Array<{
    memberId: string;
    recencyDays: number;
    frequency: number;
    monetary: number;
    rfmScore: number;
    segment: string;
  }>;
  nextOffset: number | null;
}

let server: TestServer;
let api: MemberApi;

// The R rfm package's sample orders, through the real import path, once for the file.
beforeAll(async () => {
  server = await startTestServer({ workspace: { currency: 'USD', timezone: 'UTC' } });
  api = createMemberApi(server);
  expect(await importWithMapping(server, ordersCsv, mapping)).toMatchObject({ accepted: 4906, rejected: 0 });
  await api.process();
}, 120_000);

afterAll(async () => {
  await server.close();
});

async function rfm(body: Record<string, unknown>) {
  return api.request<RfmBody>('POST', '/api/analytics/rfm', { body });
}

describe('POST /api/analytics/rfm', () => {
  it("scores the R rfm package's sample orders as rfm_table_order does (analysis date 2006-12-31)", async () => {
    const response = await rfm({ asOf: '2006-12-31', limit: 2000 });
    expect(response.status).toBe(200);
    const result = response.body;
    expect([result.customers, result.orders, result.nextOffset]).toEqual([995, 4906, null]);
    // R: quantile(type = 7) at 20/40/60/80% plus 1; the package's own example quotes these
    // thresholds rounded (115, 181, 297, 482 / 4, 5, 6, 8 / 256, 382, 506, 666).
    expect(result.thresholds.recency.lower).toEqual([1, 115, 181, expect.closeTo(297.4, 9), 482]);
    expect(result.thresholds.recency.upper).toEqual([115, 181, expect.closeTo(297.4, 9), 482, 977]);
    expect(result.thresholds.frequency).toEqual({ lower: [1, 4, 5, 6, 8], upper: [4, 5, 6, 8, 15] });
    // Monetary breaks in cents, like every amount of the answer.
    expect(result.thresholds.monetary.lower).toEqual([1_200, 25_580, 38_200, 50_640, 66_600]);
    expect(result.thresholds.monetary.upper.at(-1)).toBe(148_900);

    // Rows R's README prints for the same data: recency days, orders, amount, rfm_score.
    const fromR: Array<[string, number, number, number, number]> = [
      ["Abbey O'Reilly", 205, 6, 472, 343],
      ['Add Senger', 140, 3, 340, 412],
      ['Aden Lesch', 194, 4, 405, 323],
      ['Admiral Senger', 132, 5, 448, 433],
      ["Agness O'Keefe", 90, 9, 843, 555],
      ['Aileen Barton', 84, 9, 763, 555],
      ['Ailene Hermann', 281, 8, 699, 355],
      ['Aiyanna Bruen', 246, 4, 157, 321],
    ];
    for (const [customer, recency, orders, amount, score] of fromR) {
      const memberId = await api.memberIdOf('user_id', customer);
      const row = result.members.find((member) => member.memberId === memberId);
      expect([customer, row?.recencyDays, row?.frequency, row?.monetary, row?.rfmScore]).toEqual([
        customer,
        recency,
        orders,
        amount * 100,
        score,
      ]);
    }
    expect(result.members.find((member) => member.rfmScore === 555)?.segment).toBe('Champions');
    expect(result.segments.map((segment) => [segment.name, segment.customers])).toEqual([
      ['Champions', 158],
      ['Loyal Customers', 278],
      ['Potential Loyalist', 229],
      ['New Customers', 0],
      ['Promising', 0],
      ['Need Attention', 35],
      ['About To Sleep', 50],
      ['At Risk', 86],
      ["Can't Lose Them", 0],
      ['Lost', 111],
      ['Others', 48],
    ]);
    expect(result.segments.reduce((sum, segment) => sum + segment.orders, 0)).toBe(4906);
    expect(result.segments.reduce((sum, segment) => sum + segment.revenue, 0)).toBe(result.revenue);
  });

  it('takes named segments of its own, pages members, and narrows to orders since a day', async () => {
    const custom = await rfm({
      asOf: '2006-12-31',
      segments: [{ name: 'Best', recency: [5, 5], frequency: [5, 5], monetary: [5, 5] }],
      limit: 10,
      offset: 990,
    });
    expect(custom.body.segments.map((segment) => segment.name)).toEqual(['Best', 'Others']);
    expect([custom.body.members.length, custom.body.nextOffset]).toEqual([5, null]);
    const paged = await rfm({ asOf: '2006-12-31', limit: 10 });
    expect([paged.body.members.length, paged.body.nextOffset]).toEqual([10, 10]);

    const lastYear = await rfm({ asOf: '2006-12-31', since: '2006-01-01', limit: 0 });
    expect(lastYear.body.customers).toBeLessThan(995);
    expect(lastYear.body.customers).toBeGreaterThan(0);
    const before = await rfm({ asOf: '2001-01-01', limit: 0 });
    expect([before.body.customers, before.body.orders, before.body.segments.at(-1)]).toEqual([
      0,
      0,
      { name: 'Others', customers: 0, orders: 0, revenue: 0 },
    ]);
  });

  it('refuses a bad request, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'body.asOf'],
      [{ asOf: 'yesterday' }, 'body.asOf'],
      [
        { asOf: '2006-12-31', segments: [{ name: 'X', recency: [4, 2], frequency: [1, 5], monetary: [1, 5] }] },
        'body.segments.0.recency',
      ],
      [
        { asOf: '2006-12-31', segments: [{ name: 'X', recency: [1, 6], frequency: [1, 5], monetary: [1, 5] }] },
        'body.segments.0.recency.1',
      ],
      [{ asOf: '2006-12-31', since: '2007-01-01' }, 'body.since'],
    ];
    for (const [body, path] of cases) {
      const response = await api.request<{ error: string; issues: Array<{ path: string }> }>(
        'POST',
        '/api/analytics/rfm',
        { body },
      );
      expect([response.status, response.body.error, response.body.issues[0]?.path]).toEqual([
        400,
        'invalid_request',
        path,
      ]);
    }
  });
});

describe('GET /api/analytics/pareto', () => {
  it('shows how much revenue the top fifth of customers brings, and the curve', async () => {
    const response = await api.get<{
      customers: number;
      revenue: number;
      top20: { customers: number; revenue: number; share: number };
      middle60: { customers: number; revenue: number; share: number };
      tail20: { customers: number; revenue: number; share: number };
      curve: Array<{ customerShare: number; revenueShare: number }>;
    }>('/api/analytics/pareto?asOf=2006-12-31');
    expect(response.status).toBe(200);
    const { customers, revenue, top20, middle60, tail20, curve } = response.body;
    expect([customers, top20.customers, middle60.customers, tail20.customers]).toEqual([995, 199, 597, 199]);
    expect(top20.revenue + middle60.revenue + tail20.revenue).toBe(revenue);
    expect(top20.share).toBeGreaterThan(middle60.share / 3);
    expect(top20.share).toBeGreaterThan(tail20.share * 3);
    expect([curve.length, curve[0], curve[20]]).toEqual([
      21,
      { customerShare: 0, revenueShare: 0 },
      { customerShare: 1, revenueShare: 1 },
    ]);
    expect(curve[4]?.revenueShare).toBeCloseTo(top20.share, 12);
  });
});
