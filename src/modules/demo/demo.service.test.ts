import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { silentLogger } from '../../platform/log.ts';
import { openRuntime, type Runtime } from '../../runtime.ts';
import { demoWindow } from './demo-data.ts';
import { loadDemoData } from './demo.service.ts';

let database: TestDatabase;
let runtime: Runtime;
let workspaceId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  runtime = await openRuntime({ database: database.location, logger: silentLogger });
  workspaceId = (await runtime.workspaces.create({ name: 'Demo' })).workspaceId;
});

afterAll(async () => {
  await runtime?.close();
  await database?.drop();
});

describe('loadDemoData', () => {
  it('appends every message through ingestion with event time = its timestamp, and a re-run only adds duplicates', async () => {
    const options = { ingest: runtime.ingest, workspaceId, members: 150, seed: 3, chunkSize: 500 };
    const progress: number[] = [];
    const first = await loadDemoData({ ...options, onProgress: (loaded) => progress.push(loaded.members) });
    expect(first.rejected).toBe(0);
    expect(first.messages).toBeGreaterThan(150);
    expect(first.accepted).toBe(first.messages);
    expect(first.duplicates).toBe(0);
    expect(first.summary.messages).toBe(first.messages);
    expect(progress.at(-1)).toBe(150);

    const stored = await runtime.database.db
      .selectFrom('events')
      .select(['event_time', 'received_at', 'sent_at'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(stored).toHaveLength(first.messages);
    const window = demoWindow({});
    for (const row of stored) {
      expect(Number(row.event_time)).toBe(Number(row.received_at));
      expect(row.sent_at).toBeNull();
      expect(Number(row.event_time) >= window.start && Number(row.event_time) < window.end).toBe(true);
    }

    const again = await loadDemoData(options);
    expect(again).toMatchObject({ messages: first.messages, accepted: 0, duplicates: first.messages, rejected: 0 });
  });
});
