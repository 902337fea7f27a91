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

export function keepAliveAgent(connections: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: connections });
}
