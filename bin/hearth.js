#!/usr/bin/env -S node --max-semi-space-size=64
// A young generation of 64 MB: a tracking request's 500 parsed events live until their commit, and
// with V8's default they were promoted and collected as old objects; ingestion ran 20% slower.
// The CLI runs the TypeScript sources through tsx, so a fresh clone works without a build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main.ts');
await runCli(process.argv);
