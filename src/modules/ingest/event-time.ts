/**
 * Segment's clock-skew correction: the device's clock may be wrong, but the gap between when the
 * event happened and when the batch was sent is right. event time = receivedAt − (sentAt − happenedAt).
 */
export function correctEventTime(times: {
  receivedAt: number;
  sentAt: number | null;
  originalTimestamp: number | null;
}): number {
  const { receivedAt, sentAt, originalTimestamp } = times;
  if (originalTimestamp === null) return receivedAt;
  if (sentAt === null) return originalTimestamp;
  return receivedAt - (sentAt - originalTimestamp);
}

export function parseInstant(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const milliseconds = new Date(value).getTime();
  return Number.isNaN(milliseconds) ? null : milliseconds;
}
