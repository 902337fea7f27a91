import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ImportItem } from './import.service.ts';
import { contentMessageId } from './message-ids.ts';
import { isRecord } from '../../../platform/values.ts';

/**
 * One Segment message per line; blank lines are skipped. A message without a messageId gets one
 * hashed from its line, so importing the same file twice stores each message once.
 */
export async function* readNdjsonItems(input: Readable): AsyncGenerator<ImportItem> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    const text = raw.trim();
    if (text === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      yield { kind: 'rejected', rejections: [{ line, reason: `not valid JSON: ${(error as Error).message}` }] };
      continue;
    }
    if (!isRecord(parsed)) {
      yield {
        kind: 'rejected',
        rejections: [{ line, reason: 'must be a JSON object (one Segment message per line)' }],
      };
      continue;
    }
    const message =
      parsed.messageId === undefined || parsed.messageId === null
        ? { ...parsed, messageId: contentMessageId(text) }
        : parsed;
    yield { kind: 'message', line, message };
  }
}
