import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../src/platform/db/json.ts';
import { silentLogger } from '../src/platform/log.ts';
import { openRuntime } from '../src/runtime.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const retailMapping = join(root, 'examples/online-retail-mapping.json');
const retailData = join(root, '../shared/data/online_retail_uci.csv');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI, as a user runs it. */
function hearth(args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(root, 'bin/hearth.js'), ...args],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

async function createWorkspace(location: string, name = 'Retail'): Promise<string> {
  const created = await hearth([
    'workspace',
    'create',
    '--name',
    name,
    '--currency',
    'GBP',
    '--timezone',
    'Europe/London',
    '--json',
    '--db',
    location,
  ]);
  expect(created.code, created.stderr).toBe(0);
  return (JSON.parse(created.stdout) as { workspaceId: string }).workspaceId;
}

function rejectedLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('line '));
}

interface StoredEvent {
  messageId: string;
  type: string;
  eventName: string | null;
  userId: string | null;
  anonymousId: string | null;
  eventTime: string;
  payload: Record<string, unknown>;
}

/** Reads back what the log holds, and whether the processor has caught up with it. */
async function readBack(
  location: string,
  workspaceId: string,
): Promise<{ events: StoredEvent[]; processedAll: boolean }> {
  const runtime = await openRuntime({ database: location, logger: silentLogger });
  try {
    const rows = await runtime.database.db
      .selectFrom('events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('seq')
      .execute();
    const position = await runtime.processor.position();
    const last = rows.length > 0 ? Number(rows[rows.length - 1]?.seq) : 0;
    return {
      processedAll: position >= last,
      events: rows.map((row) => ({
        messageId: row.message_id,
        type: row.type,
        eventName: row.event_name,
        userId: row.user_id,
        anonymousId: row.anonymous_id,
        eventTime: new Date(Number(row.event_time)).toISOString(),
        payload: parseJson<Record<string, unknown>>(row.payload),
      })),
    };
  } finally {
    await runtime.close();
  }
}

const sha = (text: string) => `import-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;

describe('hearth import', () => {
  let database: TestDatabase;
  let workspaceId: string;
  let directory: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    directory = mkdtempSync(join(tmpdir(), 'hearth-import-'));
    workspaceId = await createWorkspace(database.location);
  });

  afterAll(async () => {
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('imports NDJSON, reports bad lines by number, and is idempotent', async () => {
    const identify = JSON.stringify({ type: 'identify', userId: 'u2', traits: { email: 'ana@example.com' } });
    const lines = [
      JSON.stringify({
        type: 'track',
        messageId: 'm-1',
        userId: 'u1',
        event: 'Signed Up',
        timestamp: '2024-03-01T10:00:00Z',
      }),
      identify,
      '{"type": "track", oops',
      '',
      JSON.stringify({ type: 'track', messageId: 'm-2', userId: 'u1' }),
      JSON.stringify({ type: 'track', messageId: 'm-1', userId: 'u1', event: 'Signed Up Again' }),
      JSON.stringify({ type: 'page', name: 'Home' }),
      identify,
    ];
    const file = join(directory, 'events.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const first = await hearth(['import', file, '--json', '--db', database.location]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('{"accepted":2,"duplicates":2,"rejected":3}\n');
    const reported = rejectedLines(first.stderr);
    expect(reported).toHaveLength(3);
    expect(reported[0]).toMatch(/^line 3: not valid JSON: /);
    expect(reported.slice(1)).toEqual([
      'line 5: event: a track call needs an event name',
      'line 7: userId: userId or anonymousId is required',
    ]);

    const stored = await readBack(database.location, workspaceId);
    expect(stored.events.map((event) => [event.messageId, event.eventName, event.userId])).toEqual([
      ['m-1', 'Signed Up', 'u1'],
      [sha(identify), null, 'u2'],
    ]);
    expect(stored.events[0]?.eventTime).toBe('2024-03-01T10:00:00.000Z');
    expect(stored.processedAll).toBe(true);

    const again = await hearth(['import', file, '--json', '--db', database.location]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('{"accepted":0,"duplicates":4,"rejected":3}\n');
  });

  it('takes events up to 1 MiB on import (the tracking API stops at 32 KB) and names the limit past it', async () => {
    const sized = (messageId: string, bytes: number) =>
      JSON.stringify({
        type: 'track',
        messageId,
        userId: 'big',
        event: 'Note',
        properties: { text: 'x'.repeat(bytes) },
      });
    const file = join(directory, 'sizes.ndjson');
    writeFileSync(file, `${[sized('size-40k', 40_000), sized('size-1m', 1_048_576)].join('\n')}\n`);
    const result = await hearth(['import', file, '--json', '--db', database.location]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('{"accepted":1,"duplicates":0,"rejected":1}\n');
    expect(rejectedLines(result.stderr)).toEqual([
      expect.stringMatching(/^line 2: event is 10486\d\d bytes; the limit is 1024 KB \(1048576 bytes\)$/),
    ]);
    const stored = await readBack(database.location, workspaceId);
    const big = stored.events.find((event) => event.messageId === 'size-40k');
    expect((big?.payload.properties as { text: string }).text).toHaveLength(40_000);
  });

  it('imports CSV through a mapping: orders, refunds, guests, London time, exact lines', async () => {
    const csv = [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom',
      '536365,71053,WHITE METAL LANTERN ,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom',
      'C536379,D,Discount,-1,2011-06-01 09:41:00,27.50,14527.0,United Kingdom',
      '536370,22728,"ALARM CLOCK, PINK",24,2011-07-01 08:45:00,3.75,,France',
      '536370,22727,"ALARM CLOCK',
      'RED",12,2011-07-01 08:45:00,3.75,,France',
      '536371,22086,PAPER CHAIN KIT,abc,2011-07-01 09:00:00,2.55,13047.0,United Kingdom',
      '536372,21731,RED TOADSTOOL LED NIGHT LIGHT,2,2011-07-01 09:05:00,1.65,12583.0,France',
      '536373,21731,RED TOADSTOOL LED NIGHT LIGHT,1,2011-13-01 09:05:00,1.65,12583.0,France',
      '536374,84879,BIRD ORNAMENT,8,2011-07-01 09:10:00,1.69,12583.0,France,EXTRA',
    ].join('\r\n');
    const file = join(directory, 'orders.csv');
    writeFileSync(file, `${csv}\r\n`);
    const own = await createTestDatabase();
    try {
      const ws = await createWorkspace(own.location);
      const first = await hearth(['import', file, '--map', retailMapping, '--json', '--db', own.location]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toBe('{"accepted":4,"duplicates":0,"rejected":3,"rows":9}\n');
      expect(rejectedLines(first.stderr)).toEqual([
        'line 8: Quantity: "abc" is not a number',
        'line 10: InvoiceDate: "2011-13-01 09:05:00" does not match yyyy-MM-dd HH:mm:ss',
        'line 11: has 9 fields; the header has 8',
      ]);

      const { events, processedAll } = await readBack(own.location, ws);
      expect(processedAll).toBe(true);
      expect(
        events.map((event) => [event.messageId, event.eventName, event.userId, event.anonymousId, event.eventTime]),
      ).toEqual([
        // December is GMT (UTC+0); June and July are BST (UTC+1).
        ['online-retail-536365', 'Order Completed', '17850', null, '2010-12-01T08:26:00.000Z'],
        ['online-retail-C536379', 'Order Refunded', '14527', null, '2011-06-01T08:41:00.000Z'],
        ['online-retail-536370', 'Order Completed', null, 'guest-536370', '2011-07-01T07:45:00.000Z'],
        ['online-retail-536372', 'Order Completed', '12583', null, '2011-07-01T08:05:00.000Z'],
      ]);
      expect(events[0]?.payload.properties).toEqual({
        order_id: '536365',
        currency: 'GBP',
        total: 35.64,
        products: [
          { product_id: '85123A', name: 'WHITE HANGING HEART T-LIGHT HOLDER', price: 2.55, quantity: 6 },
          { product_id: '71053', name: 'WHITE METAL LANTERN', price: 3.39, quantity: 6 },
        ],
      });
      expect(events[0]?.payload.context).toEqual({ traits: { country: 'United Kingdom' } });
      expect(events[1]?.payload.properties).toEqual({
        order_id: 'C536379',
        currency: 'GBP',
        total: 27.5,
        // An absolute total writes the cancellation's quantity positive too, as the spec writes refunds.
        products: [{ product_id: 'D', name: 'Discount', price: 27.5, quantity: 1 }],
      });
      expect(events[2]?.payload.properties).toEqual({
        order_id: '536370',
        currency: 'GBP',
        total: 135,
        products: [
          { product_id: '22728', name: 'ALARM CLOCK, PINK', price: 3.75, quantity: 24 },
          { product_id: '22727', name: 'ALARM CLOCK\r\nRED', price: 3.75, quantity: 12 },
        ],
      });
      expect(events[2]?.payload.context).toEqual({ traits: { country: 'France' } });

      const again = await hearth(['import', file, '--map', retailMapping, '--json', '--db', own.location]);
      expect(again.stdout).toBe('{"accepted":0,"duplicates":4,"rejected":3,"rows":9}\n');
    } finally {
      await own.drop();
    }
  });

  it('fails clearly, without importing, on a missing file or a mapping that does not fit', async () => {
    const file = join(directory, 'tiny.csv');
    writeFileSync(file, 'InvoiceNo,CustomerID\n1,2\n');
    const badMapping = join(directory, 'bad-mapping.json');
    writeFileSync(
      badMapping,
      JSON.stringify({
        type: 'track',
        event: 'Order Completed',
        userId: { column: 'CustomerID', transform: ['round'] },
      }),
    );
    const wrongColumn = join(directory, 'wrong-column.json');
    writeFileSync(
      wrongColumn,
      JSON.stringify({ type: 'track', event: 'Order Completed', groupBy: 'Invoice', userId: 'CustomerID' }),
    );
    const missingFile = join(directory, 'nope.ndjson');
    const before = (await readBack(database.location, workspaceId)).events.length;

    const [missing, bad, mismatch, noMap] = await Promise.all([
      hearth(['import', missingFile, '--db', database.location]),
      hearth(['import', file, '--map', badMapping, '--db', database.location]),
      hearth(['import', file, '--map', wrongColumn, '--db', database.location]),
      hearth(['import', file, '--db', database.location]),
    ]);
    expect([missing.code, bad.code, mismatch.code, noMap.code]).toEqual([1, 1, 1, 1]);
    expect(missing.stderr).toContain(`cannot read ${missingFile}: no such file`);
    expect(bad.stderr).toContain(`${badMapping}: userId.transform[0]: `);
    expect(mismatch.stderr).toContain(
      `${wrongColumn}: groupBy: column "Invoice" is not in the CSV header (InvoiceNo, CustomerID)`,
    );
    expect(noMap.stderr).toContain('--map is required');
    expect((await readBack(database.location, workspaceId)).events).toHaveLength(before);
  });

  it('asks for --workspace when the database has several', async () => {
    const own = await createTestDatabase();
    try {
      await createWorkspace(own.location, 'One');
      await createWorkspace(own.location, 'Two');
      const file = join(directory, 'one.ndjson');
      writeFileSync(file, `${JSON.stringify({ type: 'track', userId: 'u', event: 'E' })}\n`);
      const result = await hearth(['import', file, '--db', own.location]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('--workspace is required: the database has 2 workspaces');
    } finally {
      await own.drop();
    }
  });

  it('imports the head of the real online retail data set with exact counts', async () => {
    const file = join(directory, 'online-retail-head.csv');
    const headLines: string[] = [];
    const reader = createInterface({ input: createReadStream(retailData), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of reader) {
      headLines.push(line);
      if (headLines.length === 2_000) break;
    }
    reader.close();
    writeFileSync(file, `${headLines.join('\n')}\n`);
    const expected = expectedRetailCounts(headLines.slice(1));

    const own = await createTestDatabase();
    try {
      const ws = await createWorkspace(own.location);
      const result = await hearth(['import', file, '--map', retailMapping, '--json', '--db', own.location]);
      expect(result.code, result.stderr).toBe(0);
      // Invoices over the tracking API's 32 KB still import whole: import allows 1 MiB per event.
      expect(expected.overTrackingLimit.length).toBeGreaterThan(0);
      expect(JSON.parse(result.stdout)).toEqual({
        accepted: expected.orders.length,
        duplicates: 0,
        rejected: 0,
        rows: 1_999,
      });
      expect(rejectedLines(result.stderr)).toEqual([]);
      const { events } = await readBack(own.location, ws);
      const imported = expected.orders;
      expect(events.map((event) => event.messageId)).toEqual(imported.map((order) => `online-retail-${order.invoice}`));
      expect(events.map((event) => event.eventName)).toEqual(
        imported.map((order) => (order.invoice.startsWith('C') ? 'Order Refunded' : 'Order Completed')),
      );
      expect(events.map((event) => event.userId ?? event.anonymousId)).toEqual(
        imported.map((order) => (order.customer ? String(Number(order.customer)) : `guest-${order.invoice}`)),
      );
      expect(events.map((event) => (event.payload.properties as { total: number }).total)).toEqual(
        imported.map((order) => Math.abs(order.cents) / 100),
      );
    } finally {
      await own.drop();
    }
  });
});

/** Splits one CSV line; the retail file quotes only descriptions, and never across lines. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted && char === '"' && line[index + 1] === '"') {
      cell += '"';
      index += 1;
    } else if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

function toCents(decimal: string): number {
  const [whole = '0', fraction = ''] = decimal.replace('-', '').split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return decimal.startsWith('-') ? -cents : cents;
}

interface ExpectedOrder {
  invoice: string;
  line: number;
  customer: string;
  cents: number;
  /** Rough size of the stored products: name, code, price and quantity per line, plus JSON punctuation. */
  productBytes: number;
}

/** Orders from consecutive invoice lines, worked out without the importer's code. */
function expectedRetailCounts(rows: string[]): { orders: ExpectedOrder[]; overTrackingLimit: ExpectedOrder[] } {
  const orders: ExpectedOrder[] = [];
  rows.forEach((text, index) => {
    const [invoice = '', stockCode = '', description = '', quantity = '', , price = '', customer = ''] =
      splitCsvLine(text);
    let order = orders[orders.length - 1];
    if (order?.invoice !== invoice) {
      order = { invoice, line: index + 2, customer, cents: 0, productBytes: 0 };
      orders.push(order);
    }
    order.cents += toCents(price) * Number(quantity);
    order.productBytes += stockCode.length + description.trim().length + price.length + quantity.length + 50;
  });
  // Keep the test honest: no order sits near the 32 KB limit, where the rough size could mislead.
  for (const order of orders) expect(Math.abs(order.productBytes - 32_768)).toBeGreaterThan(4_000);
  return { orders, overTrackingLimit: orders.filter((order) => order.productBytes > 32_768) };
}
