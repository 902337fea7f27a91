/**
 * Faults are typed errors with a code; the HTTP edge maps them to a status in one place.
 * Expected business outcomes are typed results instead, and never go through here.
 */
export type ErrorCode = 'invalid_request' | 'unauthorized' | 'not_found' | 'conflict' | 'overloaded' | 'unavailable';

const statusByCode: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  overloaded: 429,
  unavailable: 503,
};

export interface Issue {
  path: string;
  message: string;
}

export class HearthError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[];
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { issues?: Issue[]; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'HearthError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return statusByCode[this.code];
  }
}

export function invalidRequest(path: string, message: string): HearthError {
  return new HearthError('invalid_request', path ? `${path}: ${message}` : message, { issues: [{ path, message }] });
}

export function notFound(message: string): HearthError {
  return new HearthError('not_found', message);
}

const transientSqliteCodes = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
]);
const transientNodeCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** Database faults a client may retry: locks, lost connections, a restarting server. */
export function isTransientDatabaseFault(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== 'string')
    return /Connection terminated|timeout exceeded when trying to connect/i.test(error.message);
  if (transientSqliteCodes.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_IOERR')) return true;
  if (transientNodeCodes.has(code)) return true;
  // PostgreSQL SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention, 40 rollbacks.
  return /^(08|53|57P|40)/.test(code);
}

/** The text of anything thrown, for a log line or a message to another thread. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
