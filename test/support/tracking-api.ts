import { gzipSync } from 'node:zlib';
import { parseJson } from '../../src/platform/db/json.ts';
import type { TestServer } from './test-server.ts';

export interface TrackingResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON answer (every tracking answer is JSON). */
  body: unknown;
}

export interface TrackingRequest {
  /** An object is sent as JSON; a string or bytes as they are. */
  body: unknown;
  /** An Authorization header; `null` sends none. Defaults to the server's write key as HTTP Basic. */
  auth?: string | null;
  contentType?: string | null;
  gzip?: boolean;
}

export function basicAuth(user: string, password = ''): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function toBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

/** POST to a tracking route over real HTTP. */
export async function postTracking(
  server: Pick<TestServer, 'url' | 'trackingAuth'>,
  path: string,
  request: TrackingRequest,
): Promise<TrackingResponse> {
  const auth = request.auth === undefined ? server.trackingAuth : request.auth;
  const contentType = request.contentType === undefined ? 'application/json' : request.contentType;
  const bytes = toBytes(request.body);
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      ...(auth === null ? {} : { authorization: auth }),
      ...(contentType === null ? {} : { 'content-type': contentType }),
      ...(request.gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: new Uint8Array(request.gzip ? gzipSync(bytes) : bytes),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : null };
}

/** One row of the `events` table with its payload parsed. */
export interface StoredEvent {
  seq: number;
  workspaceId: string;
  messageId: string;
  type: string;
  eventName: string | null;
  userId: string | null;
  anonymousId: string | null;
  eventTime: number;
  receivedAt: number;
  sentAt: number | null;
  originalTimestamp: number | null;
  payload: Record<string, unknown>;
}

/** Every stored event of the server's database (all workspaces unless one is named), in log order. */
export async function storedEvents(server: Pick<TestServer, 'runtime'>, workspaceId?: string): Promise<StoredEvent[]> {
  let query = server.runtime.database.db.selectFrom('events').selectAll();
  if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId);
  const rows = await query.orderBy('seq').execute();
  return rows.map((row) => ({
    seq: row.seq,
    workspaceId: row.workspace_id,
    messageId: row.message_id,
    type: row.type,
    eventName: row.event_name,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    eventTime: row.event_time,
    receivedAt: row.received_at,
    sentAt: row.sent_at,
    originalTimestamp: row.original_timestamp,
    payload: parseJson<Record<string, unknown>>(row.payload),
  }));
}

export async function storedCount(server: Pick<TestServer, 'runtime'>): Promise<number> {
  const row = await server.runtime.database.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
