import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { root } from './serve-process.ts';

/**
 * Runs a part of the bench as a process of its own and hands back each value it prints (one JSON
 * value per stdout line) as it prints it, so what was measured before a fault is kept. Why a
 * process: the bench process holds the demo requests and has processed two logs by then. The
 * collection of that heap, which no `gc()` call between parts prevented, had fallen in the first
 * ledger phase (the client's CPU a request twice the ledger part's alone, on the cores the server
 * is measured on). Processing is measured in a process of its own too, as a processing process
 * runs it: `nodeFlags` gives a part that measures Hearth's own work the flags `hearth` runs with.
 */
export async function runBenchPart<Output>(
  script: string,
  options: unknown,
  onOutput: (output: Output) => void,
  nodeFlags: string[] = [],
): Promise<void> {
  const child = spawn(process.execPath, [...nodeFlags, 'bin/run-ts.js', script, JSON.stringify(options)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.trim() !== '') onOutput(JSON.parse(line) as Output);
  }
  const code = await exited;
  if (code !== 0) throw new Error(stderr.trim().split('\n').at(-1) || `${script} exited with ${code}`);
}
