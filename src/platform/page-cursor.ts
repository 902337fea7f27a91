import { z } from 'zod';

/**
 * Lists page by key: `nextCursor` wraps the key of the last row shown, so a cursor the API did not
 * hand out (a typo, a truncated copy, a raw id) is refused instead of quietly paging from nowhere.
 */
export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ after: key })).toString('base64url');
}

/** The `nextCursor` after the last row of a full page; null when there is no further page. */
export function cursorAfter(key: string | undefined, more: boolean): string | null {
  return more && key !== undefined ? encodeCursor(key) : null;
}

function decodeCursor(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(text)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    const key = (parsed as { after?: unknown } | null)?.after;
    // Re-encoding must give the same text: extra bytes or fields mean it was not ours.
    return typeof key === 'string' && key !== '' && encodeCursor(key) === text ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The `cursor` query parameter of every paged list: the key to page after, or a 400 naming it. */
export const pageCursorSchema = z
  .string()
  .optional()
  .transform((text, context) => {
    if (text === undefined) return undefined;
    const key = decodeCursor(text);
    if (key === undefined) {
      context.addIssue({ code: 'custom', message: 'must be the nextCursor of an earlier page, unchanged' });
      return z.NEVER;
    }
    return key;
  })
  .describe('nextCursor of the previous page');
