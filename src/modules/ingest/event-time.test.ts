import { describe, expect, it } from 'vitest';
import { correctEventTime, parseInstant } from './event-time.ts';

const receivedAt = Date.UTC(2024, 5, 1, 12, 0, 0);
const hour = 3_600_000;

describe('correctEventTime', () => {
  it('keeps the gap the device measured between the event and sending, not its clock', () => {
    // The device runs an hour fast and sent the event 90 seconds after it happened.
    const sentAt = receivedAt + hour;
    expect(correctEventTime({ receivedAt, sentAt, originalTimestamp: sentAt - 90_000 })).toBe(receivedAt - 90_000);
    // A slow device clock is corrected the same way.
    const slowSentAt = receivedAt - 2 * hour;
    expect(correctEventTime({ receivedAt, sentAt: slowSentAt, originalTimestamp: slowSentAt - 5_000 })).toBe(
      receivedAt - 5_000,
    );
  });

  it('puts an event stamped after it was sent after receivedAt, as the device said', () => {
    expect(correctEventTime({ receivedAt, sentAt: receivedAt, originalTimestamp: receivedAt + 1_000 })).toBe(
      receivedAt + 1_000,
    );
  });

  it('uses the timestamp as it is without sentAt, and receivedAt without a timestamp', () => {
    expect(correctEventTime({ receivedAt, sentAt: null, originalTimestamp: receivedAt - hour })).toBe(
      receivedAt - hour,
    );
    expect(correctEventTime({ receivedAt, sentAt: receivedAt + hour, originalTimestamp: null })).toBe(receivedAt);
    expect(correctEventTime({ receivedAt, sentAt: null, originalTimestamp: null })).toBe(receivedAt);
  });
});

describe('parseInstant', () => {
  it('reads ISO-8601 strings with any offset and epoch milliseconds', () => {
    expect(parseInstant('2024-06-01T12:00:00.000Z')).toBe(receivedAt);
    expect(parseInstant('2024-06-01T20:00:00+08:00')).toBe(receivedAt);
    expect(parseInstant(receivedAt)).toBe(receivedAt);
  });

  it('answers null for nothing and for what is not a date', () => {
    expect(parseInstant(null)).toBeNull();
    expect(parseInstant(undefined)).toBeNull();
    expect(parseInstant('yesterday')).toBeNull();
  });
});
