import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { Refusal, toRouteResult, UnshapedAnswer } from './routes.ts';

const balance = z.object({ memberId: z.string(), available: z.number().int().max(1_000) });

describe('a decided answer as a route gives it', () => {
  it('shapes a success by the schema and keeps a refusal as decided', () => {
    expect(toRouteResult({ status: 200, body: { memberId: 'm', available: 5, extra: 1 } }, balance)).toStrictEqual({
      memberId: 'm',
      available: 5,
    });
    const refused = toRouteResult({ status: 409, body: { error: 'insufficient_points' } }, balance);
    expect(refused).toStrictEqual(new Refusal(409, { error: 'insufficient_points' }));
    const created = toRouteResult({ status: 201, body: { memberId: 'm', available: 5 } }, balance, {
      keepStatus: true,
    });
    expect(created).toStrictEqual(new Refusal(201, { memberId: 'm', available: 5 }));
  });

  it('never throws for a committed body the schema refuses: it answers it as decided, with the issues to log', () => {
    const body = { memberId: 'm', available: 1_001 };
    const answer = toRouteResult({ status: 200, body }, balance);
    expect(answer).toBeInstanceOf(UnshapedAnswer);
    expect(answer instanceof UnshapedAnswer && [answer.status, answer.body, answer.issues]).toStrictEqual([
      200,
      body,
      [{ path: 'response.available', message: 'Too big: expected number to be <=1000' }],
    ]);
  });
});
