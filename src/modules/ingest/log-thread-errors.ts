/** A commit (or a processing request) the log's thread refused; `code` is SQLite's (SQLITE_BUSY…), so the HTTP edge can tell a transient fault. */
export class EventLogWriteError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'EventLogWriteError';
    this.code = code;
  }
}
