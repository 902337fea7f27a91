/**
 * PostgreSQL text cannot hold the NUL character (U+0000), so a request carrying one would fail
 * in the database as a fault; no real name, id or reason has one, so it is refused as bad input,
 * the same on both databases.
 */
export const nulCharacterRule = 'must not contain the NUL character (U+0000)';

/** The path of the first string or key holding a NUL character, if any. */
export function findNulCharacter(value: unknown, where: string): string | undefined {
  // A walk with its own stack: request bodies may nest deeper than the call stack allows.
  const pending: Array<[unknown, string]> = [[value, where]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, path] = next;
    if (typeof current === 'string' && current.includes('\u0000')) return path;
    if (typeof current !== 'object' || current === null) continue;
    for (const [key, child] of Object.entries(current)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return childPath;
      pending.push([child, childPath]);
    }
  }
  return undefined;
}
