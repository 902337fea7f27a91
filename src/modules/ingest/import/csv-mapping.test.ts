import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildGroupMessage, roundMoney } from './csv-group-message.ts';
import { compileCsvMapping, type CompiledMapping } from './csv-mapping.ts';
import { parseCsvMapping, type CsvMapping } from './csv-mapping.schema.ts';
import { readCsvItems } from './csv-source.ts';
import type { ImportItem } from './import.service.ts';
import { createRowGrouper, type RowGroup } from './row-grouping.ts';

function mappingOf(json: unknown): CsvMapping {
  const parsed = parseCsvMapping(JSON.stringify(json));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.mapping;
}

function compile(json: unknown, header: string[]): CompiledMapping {
  const compiled = compileCsvMapping(mappingOf(json), header, { timeZone: 'Europe/London' });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  return compiled.compiled;
}

function singleRow(cells: string[], line = 2): RowGroup {
  return {
    key: undefined,
    rows: [{ line, cells }],
    firstLine: line,
    rowCount: 1,
    overflowed: false,
    earlierGroupEndedAt: undefined,
  };
}

async function collect(text: string, json: unknown): Promise<ImportItem[]> {
  const source = readCsvItems(Readable.from([text]), mappingOf(json), { timeZone: 'UTC' });
  const items: ImportItem[] = [];
  for await (const item of source.items) items.push(item);
  return items;
}

describe('CSV mapping files', () => {
  it('name the field that is wrong', () => {
    const result = parseCsvMapping(
      JSON.stringify({
        type: 'track',
        userId: { column: 'Id', template: 'x-{Id}' },
        timestamp: { column: 'At', timeZone: 'Mars/Olympus' },
        properties: { amount: { column: 'Amount', type: 'decimal' } },
        order: { currency: 'GBP' },
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual([
      'userId',
      'timestamp.timeZone',
      'properties.amount.type',
    ]);
    expect(result.issues[0]?.message).toBe(
      'a value needs exactly one of "column", "template", "value", not "column" and "template"',
    );
  });

  it('check what an order needs once the fields themselves are valid', () => {
    const result = parseCsvMapping(
      JSON.stringify({
        type: 'track',
        event: 'Order Completed',
        userId: 'Id',
        products: { price: { column: 'Price' } },
        properties: { total: 'Total' },
        order: { currency: 'GBP' },
      }),
    );
    expect(result.ok ? [] : result.issues).toEqual([
      { path: 'order', message: 'needs "groupBy": the order id is the group key' },
      { path: 'products.price.type', message: 'must be "number" or "integer" to compute the total' },
      { path: 'products.quantity', message: 'is required to compute the order total' },
      { path: 'properties.total', message: 'is set by "order"; remove it here' },
    ]);
  });

  it('report every column the header lacks', () => {
    const mapping = mappingOf({
      type: 'identify',
      userId: 'Customer',
      fallbackAnonymousId: 'guest-{Ref}',
      traits: { email: 'Email' },
    });
    const compiled = compileCsvMapping(mapping, ['Customer', 'Mail'], { timeZone: 'UTC' });
    expect(compiled.ok ? [] : compiled.issues.map((issue) => issue.path)).toEqual([
      'fallbackAnonymousId',
      'traits.email.column',
    ]);
  });
});

describe('CSV values', () => {
  const header = ['Id', 'Email', 'Score', 'At'];
  const mapping = compile(
    {
      type: 'identify',
      userId: { column: 'Id', transform: ['trim', 'integer'] },
      fallbackAnonymousId: 'anon-{Email}',
      timestamp: { column: 'At', format: 'yyyy-MM-dd HH:mm:ss' },
      traits: {
        email: { column: 'Email', transform: ['trim', 'lowercase'] },
        score: { column: 'Score', type: 'integer' },
      },
    },
    header,
  );

  it('turn float ids into integers and leave empty cells out', () => {
    const result = buildGroupMessage(mapping, singleRow([' 17850.0 ', ' Ana@Example.COM ', '', '2011-03-27 00:30:00']));
    expect(result).toMatchObject({
      ok: true,
      message: {
        type: 'identify',
        userId: '17850',
        traits: { email: 'ana@example.com' },
        timestamp: '2011-03-27T00:30:00.000Z',
      },
    });
  });

  it('use the fallback anonymousId only without a userId, and read local summer time', () => {
    const result = buildGroupMessage(mapping, singleRow(['', 'x@y.z', '7', '2011-03-27 02:30:00']));
    // 01:00 GMT on 27 March 2011 the clocks went to 02:00 BST.
    expect(result).toMatchObject({
      ok: true,
      message: { anonymousId: 'anon-x@y.z', traits: { score: 7 }, timestamp: '2011-03-27T01:30:00.000Z' },
    });
    expect(result.ok && 'userId' in result.message).toBe(false);
  });

  it('reject a row with every bad cell named', () => {
    const result = buildGroupMessage(mapping, singleRow(['17850.5', 'a@b.c', '1.5', 'yesterday'], 9));
    expect(result).toEqual({
      ok: false,
      rejections: [
        {
          line: 9,
          reason:
            'At: "yesterday" does not match yyyy-MM-dd HH:mm:ss; Id: "17850.5" is not an integer; Score: "1.5" is not an integer',
        },
      ],
    });
  });

  it('round money half away from zero without binary noise', () => {
    expect(roundMoney(2.55 * 6 + 3.39 * 6)).toBe(35.64);
    expect(roundMoney(1.005)).toBe(1.01);
    expect(roundMoney(-1.005)).toBe(-1.01);
    expect(roundMoney(-0.001)).toBe(0);
  });
});

describe('row grouping', () => {
  it('groups consecutive keys and flags a key that comes back', () => {
    const grouper = createRowGrouper({ keyIndex: 0 });
    const keys = ['a', 'a', 'b', 'a', 'a'];
    const groups = keys.flatMap((key, index) => grouper.push({ line: index + 2, cells: [key] }) ?? []);
    const last = grouper.finish();
    if (last) groups.push(last);
    expect(groups.map((group) => [group.key, group.firstLine, group.rowCount, group.earlierGroupEndedAt])).toEqual([
      ['a', 2, 2, undefined],
      ['b', 4, 1, undefined],
      ['a', 5, 2, 3],
    ]);
  });

  it('keeps memory bounded on a huge group', () => {
    const grouper = createRowGrouper({ keyIndex: 0, maxRowsPerGroup: 3 });
    for (let line = 2; line < 12; line += 1) grouper.push({ line, cells: ['k'] });
    expect(grouper.finish()).toMatchObject({ rowCount: 10, overflowed: true, rows: { length: 3 } });
  });
});

describe('CSV source', () => {
  it('counts physical lines across quoted line breaks and blank lines', async () => {
    const text = 'Id,Note,N\n1,"two\nlines",1\n\n2,plain,x\n3,"a ""quote""",3\n';
    const items = await collect(text, {
      type: 'identify',
      userId: 'Id',
      traits: { note: 'Note', n: { column: 'N', type: 'number' } },
    });
    expect(items).toEqual([
      {
        kind: 'message',
        line: 2,
        message: expect.objectContaining({ userId: '1', traits: { note: 'two\nlines', n: 1 } }),
      },
      { kind: 'rejected', rejections: [{ line: 5, reason: 'N: "x" is not a number' }] },
      {
        kind: 'message',
        line: 6,
        message: expect.objectContaining({ userId: '3', traits: { note: 'a "quote"', n: 3 } }),
      },
    ]);
  });

  it('gives rows without a messageId template a content hash, stable across runs', async () => {
    const mapping = { type: 'track', event: 'Visited', userId: 'Id' };
    const [first] = await collect('Id\n1\n', mapping);
    const [again] = await collect('Id\r\n1\r\n', mapping);
    expect(first).toMatchObject({
      kind: 'message',
      message: { messageId: expect.stringMatching(/^import-[0-9a-f]{32}$/) },
    });
    expect(
      first?.kind === 'message' && again?.kind === 'message' && first.message.messageId === again.message.messageId,
    ).toBe(true);
  });

  it('fails on an empty file, which has no header to map', async () => {
    await expect(collect('', { type: 'identify', userId: 'Id' })).rejects.toThrow('the file is empty');
  });
});
