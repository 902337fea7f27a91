import type { Runtime } from '../../src/runtime.ts';

/** What a test needs to talk to one workspace of a running server. */
export interface WorkspaceAccess {
  url: string;
  runtime: Runtime;
  writeKey: string;
  secretKey: string;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Identifier {
  type: string;
  value: string;
}

export interface MemberBody {
  id: string;
  createdAt: string;
  identifiers: Identifier[];
  traits: Record<string, unknown>;
  currency: string;
  tags: Array<{ id: string; family: string; name: string }>;
  features: {
    firstSeenAt: string | null;
    lastSeenAt: string | null;
    eventCount: number;
    orderCount: number;
    totalSpend: number;
    refundTotal: number;
    netSpend: number;
    averageOrderValue: number;
    firstOrderAt: string | null;
    lastOrderAt: string | null;
    categories: Record<string, { spend: number; orders: number }>;
    channels: string[];
  };
}

export interface MemberEventsBody {
  memberId: string;
  events: Array<{
    id: string;
    messageId: string;
    type: string;
    event: string | null;
    timestamp: string;
    receivedAt: string;
    payload: Record<string, unknown>;
    refusal: { reason: string; field: string; message: string } | null;
  }>;
  nextCursor: number | null;
}

export interface HistoryEntry {
  kind: string;
  memberId: string;
  otherMemberId: string | null;
  identifier: Identifier | null;
  eventId: string;
  at: string;
  detail: Record<string, unknown>;
}

export interface MergesBody {
  memberId: string;
  entries: HistoryEntry[];
}

export interface ErrorBody {
  error: string;
  message: string;
  issues: Array<{ path: string; message: string }>;
}

export interface RequestOptions {
  body?: unknown;
  /** An Authorization header; `null` sends none. Defaults to the workspace's secret key. */
  auth?: string | null;
  headers?: Record<string, string>;
}

export interface MemberApi {
  /** POST /v1/batch with the write key; fails the test unless the server accepts it. */
  send(batch: Array<Record<string, unknown>>): Promise<void>;
  /** Sends, then runs the processor until the log is processed. */
  sendAndProcess(batch: Array<Record<string, unknown>>): Promise<void>;
  process(): Promise<void>;
  request<T>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  get<T>(path: string): Promise<ApiResponse<T>>;
  /** The id of the member holding an identifier; fails the test when there is none. */
  memberIdOf(type: string, value: string): Promise<string>;
  member(id: string): Promise<MemberBody>;
  /** Every event of the member, newest first, through all pages. */
  allEvents(id: string): Promise<MemberEventsBody['events']>;
  history(id: string): Promise<HistoryEntry[]>;
}

export function lookupPath(type: string, value: string): string {
  return `/api/members/lookup?type=${encodeURIComponent(type)}&value=${encodeURIComponent(value)}`;
}

export function createMemberApi(access: WorkspaceAccess): MemberApi {
  const apiAuth = `Bearer ${access.secretKey}`;
  const trackingAuth = `Basic ${Buffer.from(`${access.writeKey}:`).toString('base64')}`;

  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const auth = options.auth === undefined ? apiAuth : options.auth;
    const response = await fetch(`${access.url}${path}`, {
      method,
      headers: {
        ...(auth === null ? {} : { authorization: auth }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      // A string goes as it is (a CSV upload); anything else as JSON.
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
  }

  async function expectOk<T>(response: Promise<ApiResponse<T>>, what: string): Promise<T> {
    const result = await response;
    if (result.status !== 200) throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  }

  async function send(batch: Array<Record<string, unknown>>): Promise<void> {
    await expectOk(
      request('POST', '/v1/batch', { body: { batch }, auth: trackingAuth }),
      `POST /v1/batch with ${batch.length} events`,
    );
  }

  async function process(): Promise<void> {
    await access.runtime.processor.runUntilIdle();
  }

  return {
    send,
    process,
    sendAndProcess: async (batch) => {
      await send(batch);
      await process();
    },
    request,
    get: (path) => request('GET', path),
    memberIdOf: async (type, value) =>
      (await expectOk(request<MemberBody>('GET', lookupPath(type, value)), `lookup ${type} ${value}`)).id,
    member: (id) => expectOk(request<MemberBody>('GET', `/api/members/${id}`), `member ${id}`),
    allEvents: async (id) => {
      const events: MemberEventsBody['events'] = [];
      let cursor: number | null = null;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const page: MemberEventsBody = await expectOk(
          request<MemberEventsBody>('GET', `/api/members/${id}/events?limit=2${query}`),
          `events of ${id}`,
        );
        events.push(...page.events);
        cursor = page.nextCursor;
      } while (cursor !== null);
      return events;
    },
    history: async (id) =>
      (await expectOk(request<MergesBody>('GET', `/api/members/${id}/merges`), `merges of ${id}`)).entries,
  };
}
