#!/usr/bin/env -S node --max-semi-space-size=128
// A young generation of 128 MB: a tracking request's 500 parsed events live until their commit, and
// with V8's default they were promoted and collected as old objects; ingestion ran 20% slower. A
// processing batch's 5,000 events and what the stages derive from them outlive 64 MB too: 128 took
// 9% less CPU an event in alternating runs of the demo log (256 was slower: fresh pages cost more).
// The CLI runs the TypeScript sources through tsx, so a fresh clone works without a build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main.ts');
await runCli(process.argv);
