import { describe, expect, it } from 'vitest';
import { toInsertValues } from './event-log.repo.ts';
import type { NewEvent } from './ingest.schema.ts';
import { packRows, unpackRows } from './log-thread-payloads.ts';

function event(messageId: string, properties: Record<string, unknown>): NewEvent {
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
  };
}

describe('rows packed for the log writer thread', () => {
  it('carry every payload as its exact UTF-8 bytes, in order, and every other column as it was', () => {
    const events = [
      event('m1', { name: '暖暖云柔纸尿裤 L 52片' }),
      event('m2', { emoji: '👶🏻', escaped: '"\\\n' }),
      event('m3', {}),
    ];
    const packed = packRows(events.map(toInsertValues));
    expect(packed.rows.map((row) => row[11])).toEqual(['', '', '']);
    const rows = unpackRows(structuredClone(packed));
    expect(rows.map((row) => (row[11] as Buffer).toString('utf8'))).toEqual(
      events.map((each) => JSON.stringify(each.payload)),
    );
    expect(rows.map((row) => row.slice(0, 11))).toEqual(events.map((each) => toInsertValues(each).slice(0, 11)));
    expect(packed.payloadEnds.at(-1)).toBe(
      events.reduce((bytes, each) => bytes + Buffer.byteLength(JSON.stringify(each.payload)), 0),
    );
  });
});
