import { afterEach, describe, expect, it } from 'vitest';
import { replayInPlace } from './support/derived-state.ts';
import { createMemberApi } from './support/member-api.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('identity settings in the log', () => {
  it('apply from the moment they change, live and on replay', async () => {
    server = await startTestServer();
    const api = createMemberApi(server);
    await api.sendAndProcess([
      { type: 'identify', userId: 'a', messageId: 'm-1', traits: { email: 'same@example.com' } },
    ]);
    const settings = (await api.get<{ blockedValues: string[] }>('/api/identity/settings')).body;
    const blocked = { ...settings, blockedValues: ['same@example.com'] };
    expect((await api.request('PUT', '/api/identity/settings', { body: blocked })).status).toBe(200);
    await api.sendAndProcess([
      { type: 'identify', anonymousId: 'b', messageId: 'm-2', traits: { email: 'same@example.com' } },
    ]);

    // Linked before the block, not after: two members.
    const first = await api.memberIdOf('user_id', 'a');
    const second = await api.memberIdOf('anonymous_id', 'b');
    expect(second).not.toBe(first);
    expect(await api.memberIdOf('email', 'same@example.com')).toBe(first);

    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
    expect((await api.get('/api/identity/settings')).body).toEqual(blocked);
  });
});
