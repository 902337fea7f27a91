import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';

type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

const definitions = 4_000;
const taggedTags = 40;
const membersPerTag = 10_000;

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timed(runs: number, run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** The 4,000 definitions in six families; made once per bench database and kept (a second run finds them). */
async function ensureDefinitions(api: Api): Promise<{ ids: string[]; seconds: number }> {
  const families = ['basic', 'life-stage', 'value', 'preference', 'behaviour', 'channel'];
  const existing = await api<{ tags: Array<{ id: string; name: string }> }>('GET', '/api/tags');
  const byName = new Map(existing.tags.map((tag) => [tag.name, tag.id]));
  const started = performance.now();
  const ids: string[] = [];
  for (let index = 0; index < definitions; index += 1) {
    const name = `Bench tag ${index}`;
    const known = byName.get(name);
    if (known) {
      ids.push(known);
      continue;
    }
    const family = families[index % families.length] ?? 'basic';
    ids.push((await api<{ id: string }>('POST', '/api/tags', { family, name, kind: 'manual' })).id);
  }
  return { ids, seconds: (performance.now() - started) / 1000 };
}

/**
 * "Must hold 4,000 tag definitions over 1M members": the definitions, 400,000 memberships set
 * through the API in lists of 10,000, then what operators read: the tag list with counts, a
 * member's 360 with tags, a page of a tag's members, and a segment preview on a tag.
 */
export async function measureTagsAtScale(database: string, api: Api): Promise<string[]> {
  const { ids, seconds } = await ensureDefinitions(api);
  const raw = new BetterSqlite3(database, { readonly: true });
  const memberIds = (
    raw
      .prepare('select id from members where merged_into is null order by id limit ?')
      .all(membersPerTag * 4) as Array<{
      id: string;
    }>
  ).map((row) => row.id);
  raw.close();
  const started = performance.now();
  const perTag = Math.min(membersPerTag, memberIds.length);
  for (let index = 0; index < taggedTags; index += 1) {
    const offset = index * perTag;
    const add = Array.from({ length: perTag }, (_, at) => memberIds[(offset + at) % memberIds.length] ?? '');
    await api('POST', `/api/tags/${ids[index]}/members`, { add });
  }
  const tagging = (performance.now() - started) / 1000;
  const list = await timed(5, () => api('GET', '/api/tags'));
  const member = await timed(20, () => api('GET', `/api/members/${memberIds[0]}`));
  const page = await timed(20, () => api('GET', `/api/tags/${ids[0]}/members?limit=100`));
  const preview = await timed(10, () =>
    api('POST', '/api/segments/preview', { definition: { type: 'tag', tag: ids[1] }, sample: 10 }),
  );
  return [
    `  ${definitions.toLocaleString('en')} tag definitions (made in ${seconds.toFixed(1)} s; kept between runs), ` +
      `${(taggedTags * perTag).toLocaleString('en')} memberships set in lists of ${perTag.toLocaleString('en')}: ${tagging.toFixed(1)} s`,
    `  with them: GET /api/tags (4,000 with counts) ${list.toFixed(0)} ms, member 360 with tags ${member.toFixed(0)} ms, ` +
      `a page of a tag's members ${page.toFixed(0)} ms, preview on a tag ${preview.toFixed(0)} ms (medians)`,
  ];
}
