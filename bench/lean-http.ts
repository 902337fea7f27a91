import { connect, type Socket } from 'node:net';

/**
 * A lean HTTP/1.1 client for the bench's request-per-operation phases (ledger, benefits): one
 * request at a time on each kept-alive socket, the request written as one buffer, the answer read
 * by its `content-length` (or chunks). The load generator shares the machine's two cores with the
 * server it measures: node:http's client spent 55–80 µs of CPU a request against 15–18 µs for
 * this one (20,000 `GET /healthz`, 32 in flight), CPU the server then lacked. Like wrk, it is for
 * measuring, not for talking to arbitrary servers: no redirects, no upgrades, no pipelining.
 */
export interface LeanResponse {
  status: number;
  /** The header block as received (latin1), for the few headers a caller reads. */
  head: string;
  body: Buffer;
}

const headEnd = Buffer.from('\r\n\r\n');
const lineEnd = Buffer.from('\r\n');

const contentLength = /\r\ncontent-length:[ \t]*(\d+)/i;
const chunked = /\r\ntransfer-encoding:[ \t]*chunked/i;

interface Waiting {
  resolve(response: LeanResponse): void;
  reject(error: Error): void;
}

/** The body of a chunked answer once every chunk is in `buffer` (from `start`); undefined until then. */
function readChunked(buffer: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const sizeEnd = buffer.indexOf(lineEnd, at);
    if (sizeEnd === -1) return undefined;
    const size = Number.parseInt(buffer.toString('latin1', at, sizeEnd), 16);
    const dataStart = sizeEnd + 2;
    if (buffer.length < dataStart + size + 2) return undefined;
    if (size === 0) return { body: Buffer.concat(parts), end: dataStart + 2 };
    parts.push(buffer.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

class LeanConnection {
  private received: Buffer = Buffer.alloc(0);
  private waiting: Waiting | undefined;
  closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly onIdleClose: (connection: LeanConnection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.readAnswer();
    });
    const fail = (error: Error) => {
      // 'error' is followed by 'close': the connection ends once.
      if (this.closed) return;
      this.closed = true;
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting.reject(error);
      else this.onIdleClose(this);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection during a request')));
  }

  private readAnswer(): void {
    const end = this.received.indexOf(headEnd);
    if (end === -1 || !this.waiting) return;
    const head = this.received.toString('latin1', 0, end);
    const bodyStart = end + 4;
    let body: Buffer;
    let next: number;
    if (chunked.test(head)) {
      const whole = readChunked(this.received, bodyStart);
      if (!whole) return;
      ({ body, end: next } = whole);
    } else {
      const length = Number(contentLength.exec(head)?.[1] ?? 0);
      if (this.received.length < bodyStart + length) return;
      body = this.received.subarray(bodyStart, bodyStart + length);
      next = bodyStart + length;
    }
    this.received = this.received.subarray(next);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve({ status: Number(head.slice(9, 12)), head, body });
  }

  send(request: Buffer): Promise<LeanResponse> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** Up to `size` kept-alive connections to one server; a request waits for a free one. */
export class LeanHttpPool {
  private readonly idle: LeanConnection[] = [];
  private readonly queue: Array<{ resolve(connection: LeanConnection): void; reject(error: Error): void }> = [];
  private open = 0;
  private readonly host: string;
  private readonly port: number;

  constructor(
    url: string,
    private readonly size: number,
  ) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port || 80);
  }

  async request(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<LeanResponse> {
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += `content-length: ${body?.length ?? 0}\r\n\r\n`;
    const request = body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
    const connection = await this.take();
    try {
      return await connection.send(request);
    } finally {
      this.give(connection);
    }
  }

  close(): void {
    for (const connection of this.idle.splice(0)) connection.close();
  }

  private async take(): Promise<LeanConnection> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.open < this.size) {
      this.open += 1;
      try {
        return await this.connect();
      } catch (error) {
        this.open -= 1;
        throw error;
      }
    }
    return new Promise((resolve, reject) => this.queue.push({ resolve, reject }));
  }

  private give(connection: LeanConnection): void {
    if (connection.closed) {
      this.open -= 1;
      // A request queued behind the lost connection gets a new one rather than waiting for ever.
      const waiter = this.queue.shift();
      if (waiter) {
        this.open += 1;
        this.connect().then(waiter.resolve, (error: Error) => {
          this.open -= 1;
          waiter.reject(error);
        });
      }
      return;
    }
    const waiter = this.queue.shift();
    if (waiter) waiter.resolve(connection);
    else this.idle.push(connection);
  }

  private connect(): Promise<LeanConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, this.host);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new LeanConnection(socket, (closed) => this.forget(closed)));
      });
    });
  }

  /** A kept-alive connection the server closed while it sat idle: the next request opens another. */
  private forget(connection: LeanConnection): void {
    const index = this.idle.indexOf(connection);
    if (index !== -1) this.idle.splice(index, 1);
    this.open -= 1;
  }
}
