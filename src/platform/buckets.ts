import { createHash } from 'node:crypto';

/**
 * The bucket of a random split: the first 32 bits of md5(salt:id), modulo the bucket count. md5
 * because PostgreSQL has it built in, so SQL computes the very same bucket; SQLite gets this
 * function registered on each connection (sqlite-connection.ts).
 */
export function bucketOf(salt: string, id: string, buckets: number): number {
  const digest = createHash('md5').update(`${salt}:${id}`).digest('hex');
  return Number.parseInt(digest.slice(0, 8), 16) % buckets;
}
