import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface Exchanged {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One request on a kept-alive connection, its answer's body read whole. node:http rather than
 * fetch: the client shares the machine's two cores with the server it measures, fetch cost it
 * about twice the CPU per request, and fetch gives up after five minutes without headers (at 1M
 * members saving a segment, a whole-population evaluation, can take longer on a cold disk).
 */
export function exchange(
  agent: Agent,
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body?: Buffer,
): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': body.length };
    const request = httpRequest(url, { method, agent, headers: { ...headers, ...length } });
    request.once('error', reject);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.end(body);
  });
}

export interface PostResult {
  status: number;
  retryAfter: string | undefined;
}

/** A request whose status (and `Retry-After`) is all the caller reads. */
export async function send(
  agent: Agent,
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body?: Buffer,
): Promise<PostResult> {
  const response = await exchange(agent, url, method, headers, body);
  const retryAfter = response.headers['retry-after'];
  return { status: response.status, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined };
}

export function keepAliveAgent(connections: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: connections });
}
