import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { root } from './serve-process.ts';

/**
 * Runs a part of the bench as a client process of its own and hands back each group of lines it
 * prints (one JSON array of strings per stdout line) as it prints it, so what was measured before a
 * fault is kept. Why a process: the bench process has processed two logs by then, and the
 * collection of that heap, which no `gc()` call between parts prevented, had fallen in the first
 * ledger phase (the client's CPU a request twice the ledger part's alone, on the cores the server
 * is measured on).
 */
export async function runBenchPart(
  script: string,
  options: unknown,
  onLines: (lines: string[]) => void,
): Promise<void> {
  const child = spawn(process.execPath, ['bin/run-ts.js', script, JSON.stringify(options)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.trim() !== '') onLines(JSON.parse(line) as string[]);
  }
  const code = await exited;
  if (code !== 0) throw new Error(stderr.trim().split('\n').at(-1) || `${script} exited with ${code}`);
}
