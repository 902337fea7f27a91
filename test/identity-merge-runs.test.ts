import { afterEach, expect, it } from 'vitest';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

it('replays a merge the same when an operation sits between the merged member’s events and the merge', async () => {
  server = await startTestServer();
  const api = createMemberApi(server);
  await api.sendAndProcess([
    { type: 'identify', userId: 'ben', traits: { email: 'ben@example.com' } },
    { type: 'track', anonymousId: 'anon-1', event: 'Product Viewed' },
  ]);
  // An operation in the log splits identity's work on a replayed batch into two runs.
  const tag = await api.request<{ id: string }>('POST', '/api/tags', {
    body: { family: 'behaviour', name: 'Browser', kind: 'manual' },
  });
  await api.request('POST', `/api/tags/${tag.body.id}/members`, {
    body: { add: [await api.memberIdOf('anonymous_id', 'anon-1')] },
  });
  await api.sendAndProcess([{ type: 'identify', userId: 'ben', anonymousId: 'anon-1' }]);
  const ben = await api.member(await api.memberIdOf('user_id', 'ben'));
  expect(ben.features.eventCount).toBe(3);
  const { live, replayed } = await replayInPlace(server.runtime);
  expect(replayed).toEqual(live);
});
