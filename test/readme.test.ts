import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loyaltyProgramSchema } from '../src/modules/loyalty/loyalty-program.schema.ts';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

describe('README', () => {
  it('shows a loyalty program document that the server accepts', () => {
    const block = /## Loyalty[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const parsed = loyaltyProgramSchema.safeParse(JSON.parse(block ?? '{}'));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });
});
