import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Guards against a hung test, not a measure of speed (that is `npm run bench`): on a day the
    // machine ran 3–5× slower (2026-12-04) single tests took 44–92 s, so a minute failed them.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two cores: files run two at a time, each on its own database.
    maxWorkers: 2,
    pool: 'forks',
  },
});
