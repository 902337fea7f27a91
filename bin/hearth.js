#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so a fresh clone works without a build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main.ts');
await runCli(process.argv);
