import { resolve } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJson } from '../src/platform/db/json.ts';
import { importWithMapping, repoRoot } from './support/hearth-cli.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const retailCsv = resolve(repoRoot, '../shared/data/online_retail_uci.csv');
const retailMapping = resolve(repoRoot, 'examples/online-retail-mapping.json');

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ workspace: { currency: 'GBP', timezone: 'Europe/London' } });
  expect(await importWithMapping(server, retailCsv, retailMapping)).toMatchObject({ accepted: 25_900, rejected: 1 });
  await createMemberApi(server).process();
}, 180_000);

afterAll(async () => {
  await server.close();
});

interface RfmRow {
  memberId: string;
  recencyDays: number;
  frequency: number;
  monetary: number;
}

/** Each identified customer's orders as the log holds them: counted apart from the orders table RFM reads. */
async function expectedFromLog(): Promise<Map<string, { orders: number; cents: number; lastDay: string }>> {
  const rows = await server.runtime.database.db
    .selectFrom('events')
    .select(['user_id', 'payload', 'event_time'])
    .where('event_name', '=', 'Order Completed')
    .where('user_id', 'is not', null)
    .execute();
  const customers = new Map<string, { orders: number; cents: number; lastDay: string }>();
  for (const row of rows) {
    const { total } = parseJson<{ properties: { total: number } }>(row.payload).properties;
    const day = DateTime.fromMillis(Number(row.event_time), { zone: 'Europe/London' }).toISODate() ?? '';
    const customer = customers.get(row.user_id as string) ?? { orders: 0, cents: 0, lastDay: '' };
    customer.orders += 1;
    customer.cents += Math.round(total * 100);
    if (day > customer.lastDay) customer.lastDay = day;
    customers.set(row.user_id as string, customer);
  }
  return customers;
}

it('scores every customer of the UCI online retail data imported through hearth import', async () => {
  const api = createMemberApi(server);
  const response = await api.request<{ customers: number; members: RfmRow[] }>('POST', '/api/analytics/rfm', {
    body: { asOf: '2011-12-09', limit: 100_000 },
  });
  expect(response.status).toBe(200);
  const userIds = await server.runtime.database.db
    .selectFrom('identifiers')
    .select(['member_id', 'value'])
    .where('type', '=', 'user_id')
    .execute();
  const userOf = new Map(userIds.map((row) => [row.member_id, row.value]));
  const identified = response.body.members.filter((member) => userOf.has(member.memberId));
  // The data set's well-known count of customers who bought (CustomerID present, not a cancellation).
  expect(identified.length).toBe(4339);
  const expected = await expectedFromLog();
  const asOf = DateTime.fromISO('2011-12-09', { zone: 'Europe/London' });
  const mismatches = identified.filter((member) => {
    const customer = expected.get(userOf.get(member.memberId) ?? '');
    if (!customer) return true;
    const recency = asOf.diff(DateTime.fromISO(customer.lastDay, { zone: 'Europe/London' }), 'days').days;
    return customer.orders !== member.frequency || customer.cents !== member.monetary || recency !== member.recencyDays;
  });
  expect(mismatches).toEqual([]);
}, 60_000);
