import { describe, expect, it } from 'vitest';
import { createGroupCommitWriter, type CommittedGroup } from './event-log-writer.ts';
import type { NewEvent } from './ingest.schema.ts';
import { flattenRows, type AppendRows } from './log-thread-payloads.ts';

function event(messageId: string): NewEvent {
  return {
    id: `evt_${messageId}`,
    workspaceId: 'ws_1',
    messageId,
    type: 'track',
    eventName: 'Viewed',
    userId: 'u-1',
    anonymousId: null,
    eventTime: 0,
    receivedAt: 0,
    sentAt: null,
    originalTimestamp: null,
    payload: {},
  };
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** A commit that stores at once and is durable when the test says so; it records what it was given. */
function createDisk() {
  const groups: string[][] = [];
  const flushes: Deferred[] = [];
  let position = 0;
  const commit = async (group: AppendRows[]): Promise<CommittedGroup> => {
    const rows = flattenRows(group);
    groups.push(rows.map((row) => row[2]));
    const flush = deferred();
    flushes.push(flush);
    return { stored: rows.map(() => (position += 1)), durable: flush.promise };
  };
  return { commit, groups, flushes };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('group commit with the fsync after the commit', () => {
  it('answers an append only once its commit is durable, and commits the next group meanwhile', async () => {
    const disk = createDisk();
    const appended: Array<number | null> = [];
    const writer = createGroupCommitWriter(disk.commit, { onAppended: (last) => appended.push(last) });
    let firstAnswered = false;
    const first = writer.append([event('a'), event('b')]).then((result) => {
      firstAnswered = true;
      return result;
    });
    await settle();
    // Committed (the processor is told) but not on disk: nobody hears back yet.
    expect([disk.groups, appended, firstAnswered]).toEqual([[['a', 'b']], [2], false]);

    const second = writer.append([event('c')]);
    await settle();
    expect(disk.groups).toEqual([['a', 'b'], ['c']]);
    expect(firstAnswered).toBe(false);

    disk.flushes[1]?.resolve();
    expect(await second).toEqual({ accepted: 1, duplicates: 0, positions: [3] });
    expect(firstAnswered).toBe(false);
    disk.flushes[0]?.resolve();
    expect(await first).toEqual({ accepted: 2, duplicates: 0, positions: [1, 2] });
  });

  it('rejects the appends of a commit whose fsync failed, and drain waits for every fsync', async () => {
    const disk = createDisk();
    const writer = createGroupCommitWriter(disk.commit);
    const failing = writer.append([event('a')]).catch((error: Error) => error.message);
    await settle();
    disk.flushes[0]?.reject(new Error('fsync of the log failed: EIO'));
    expect(await failing).toBe('fsync of the log failed: EIO');

    const kept = writer.append([event('b')]);
    let drained = false;
    await settle();
    const draining = writer.drain().then(() => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    disk.flushes[1]?.resolve();
    await draining;
    expect((await kept).positions).toEqual([2]);
  });
});
