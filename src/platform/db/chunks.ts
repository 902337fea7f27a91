/** Splits a list for statements with a bounded number of bound values (SQLite 32,766, PostgreSQL 65,535). */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
