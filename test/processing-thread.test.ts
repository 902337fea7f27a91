import { afterEach, describe, expect, it } from 'vitest';
import { replayInPlace } from './support/derived-state.ts';
import { waitFor } from './support/hearth-cli.ts';
import { createMemberApi } from './support/member-api.ts';
import { testDialect } from './support/test-database.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

interface Answer {
  available?: number;
  lifetimeRedeemed?: number;
  error?: string;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// `hearth serve` on a SQLite file runs the processor in the event log's thread; PostgreSQL has no such thread.
describe.runIf(testDialect === 'sqlite')('the processor in the event log thread', () => {
  it('spends exactly the balance under 200 parallel redemptions, answers a retried key with its first answer, and replays the same', async () => {
    server = await startTestServer({ processingThread: true });
    const api = createMemberApi(server);
    await api.sendAndProcess([{ type: 'identify', userId: 'ana', traits: { email: 'ana@example.com' } }]);
    const memberId = await api.memberIdOf('user_id', 'ana');
    const operate = (action: string, body: unknown, key: string) =>
      api.request<Answer>('POST', `/api/members/${memberId}/points/${action}`, {
        body,
        headers: { 'idempotency-key': key },
      });

    expect((await operate('adjust', { points: 1000, reason: 'gift' }, 'gift')).body.available).toBe(1000);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => operate('redeem', { points: 10 }, `parallel-${index}`)),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(100);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(100);
    const first = answers[0];
    const again = await operate('redeem', { points: 10 }, 'parallel-0');
    expect([again.status, again.body]).toEqual([first?.status, first?.body]);
    const balance = await api.get<Answer>(`/api/members/${memberId}/points`);
    expect(balance.body).toMatchObject({ available: 0, lifetimeRedeemed: 1000 });

    const { live, replayed } = await replayInPlace(server.runtime);
    expect(replayed).toEqual(live);
    expect(live.loyalty.points_entries).toHaveLength(101);
  });

  it('processes what its writer committed without being asked', async () => {
    server = await startTestServer({ processingThread: true });
    const api = createMemberApi(server);
    await api.send(
      Array.from({ length: 50 }, (_, index) => ({
        type: 'track',
        userId: 'bo',
        event: 'Order Completed',
        messageId: `order-${index}`,
        properties: { order_id: `o-${index}`, total: 10, currency: 'CNY' },
      })),
    );
    // Nobody asks the processor to catch up: the thread processes what its writer committed.
    const processor = server.runtime.processor;
    await waitFor('the log processed', async () => ((await processor.position()) === 50 ? true : undefined), 10_000);
    const member = await api.member(await api.memberIdOf('user_id', 'bo'));
    expect(member.features).toMatchObject({ orderCount: 50, totalSpend: 50_000 });
  });
});
