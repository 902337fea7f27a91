import { describe, expect, it } from 'vitest';
import { toInsertValues } from './event-log.repo.ts';
import type { NewEvent } from './ingest.schema.ts';
import { packRows, transferablesOf, unpackRows, type PackedRows } from './log-thread-payloads.ts';

function event(messageId: string, properties: Record<string, unknown>, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id: `evt_${messageId}`,
    workspaceId: 'ws_a',
    messageId,
    type: 'track',
    eventName: 'Viewed',
    userId: 'u-1',
    anonymousId: null,
    eventTime: 1,
    receivedAt: 2,
    sentAt: null,
    originalTimestamp: null,
    payload: { type: 'track', event: 'Viewed', properties },
    ...overrides,
  };
}

/** What the receiving thread gets: the message cloned, its buffers moved. */
function sendAcrossThreads(packed: PackedRows): PackedRows {
  const transferables = transferablesOf([packed]);
  return structuredClone(packed, { transfer: transferables });
}

describe('rows packed for another thread', () => {
  it('come back column for column: text as it was (payloads as their exact UTF-8 bytes), nulls and times', () => {
    const events = [
      event('m1', { name: '暖暖云柔纸尿裤 L 52片' }, { eventName: '下单', sentAt: 3, originalTimestamp: 0 }),
      event('m2', { emoji: '👶🏻', escaped: '"\\\n' }, { userId: null, anonymousId: 'anon-😀', eventName: null }),
      event('m3', {}, { type: 'identify', eventName: '' }),
    ];
    const packed = packRows(events.map(toInsertValues));
    const received = sendAcrossThreads(packed);
    expect(packed.text.byteLength).toBe(0);
    const rows = unpackRows(received);
    expect(rows.map((row) => (row[11] as Buffer).toString('utf8'))).toEqual(
      events.map((each) => JSON.stringify(each.payload)),
    );
    expect(rows.map((row) => row.slice(0, 11))).toEqual(events.map((each) => toInsertValues(each).slice(0, 11)));
    expect(rows[1]?.slice(4, 7)).toEqual([null, null, 'anon-😀']);
    expect(rows[2]?.[4]).toBe('');
  });

  it('pack again as they were unpacked, a payload already in bytes included', () => {
    const rows = unpackRows(sendAcrossThreads(packRows([event('m4', { city: '上海' })].map(toInsertValues))));
    const again = unpackRows(sendAcrossThreads(packRows(rows)));
    expect(again.map((row) => [...row.slice(0, 11), (row[11] as Buffer).toString('utf8')])).toEqual(
      rows.map((row) => [...row.slice(0, 11), (row[11] as Buffer).toString('utf8')]),
    );
  });

  it('of an empty append are an empty group', () => {
    expect(unpackRows(sendAcrossThreads(packRows([])))).toEqual([]);
  });
});
