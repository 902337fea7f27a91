import { gunzipSync, inflateSync } from 'node:zlib';
import { HearthError, invalidRequest } from '../../platform/errors.ts';
import { ingestLimits } from './ingest.schema.ts';

/**
 * Tracking requests arrive as JSON or text/plain (browsers' sendBeacon), gzipped or not. The
 * 500 KB limit applies to what the body inflates to as well, so a small zip cannot blow up.
 */
export function decodeTrackingBody(raw: Buffer, contentEncoding: string | undefined): unknown {
  let bytes = raw;
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'deflate') {
    try {
      const inflate = encoding === 'gzip' ? gunzipSync : inflateSync;
      bytes = inflate(raw, { maxOutputLength: ingestLimits.maxRequestBytes });
    } catch (error) {
      if (error instanceof RangeError) {
        throw invalidRequest('', 'the request body inflates to more than 500 KB (512000 bytes)');
      }
      throw invalidRequest('', `the body is not valid ${encoding} data`);
    }
  } else if (encoding !== '' && encoding !== 'identity') {
    throw invalidRequest('', `unsupported Content-Encoding ${encoding}; use gzip, deflate or none`);
  }
  if (bytes.length > ingestLimits.maxRequestBytes) {
    throw invalidRequest('', 'the request body is larger than 500 KB (512000 bytes)');
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw invalidRequest('', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HearthError('invalid_request', `the body is not valid JSON: ${(error as Error).message}`, {
      issues: [{ path: '', message: 'invalid JSON' }],
    });
  }
}

/** Segment reads the write key from HTTP Basic auth (as the user name) or from `writeKey` in the body. */
export function findWriteKey(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization) {
    const match = /^Basic\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) {
      const decoded = Buffer.from(match[1], 'base64').toString('utf8');
      const user = decoded.split(':')[0];
      if (user) return user;
    }
  }
  if (typeof body === 'object' && body !== null && 'writeKey' in body) {
    const key = (body as { writeKey?: unknown }).writeKey;
    if (typeof key === 'string' && key.length > 0) return key;
  }
  return undefined;
}
