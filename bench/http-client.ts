import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';

export interface PostResult {
  status: number;
  retryAfter: string | undefined;
}

/**
 * One request on a kept-alive connection. node:http rather than fetch: the client shares the
 * machine's two cores with the server it measures, and fetch cost it about twice the CPU per request.
 */
export function send(
  agent: Agent,
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: Buffer,
): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, agent, headers: { ...headers, 'content-length': body.length } });
    request.once('error', reject);
    request.once('response', (response) => {
      response.resume();
      response.once('end', () => {
        const retryAfter = response.headers['retry-after'];
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
        });
      });
    });
    request.end(body);
  });
}

export interface Exchanged {
  status: number;
  text: string;
}

/**
 * One request that reads the answer's body, without fetch's five-minute wait for headers: at 1M
 * members saving a segment (a whole-population evaluation) on a cold disk can outlast it.
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
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.end(body);
  });
}

export function keepAliveAgent(connections: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: connections });
}
