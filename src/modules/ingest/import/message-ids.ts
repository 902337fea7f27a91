import { createHash } from 'node:crypto';

/**
 * A messageId derived from what was imported, so importing the same content again is a duplicate
 * rather than a second event. 32 hex characters (128 bits) keep collisions out of reach.
 */
export function contentMessageId(content: string): string {
  return `import-${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
}
