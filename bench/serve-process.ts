import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Node flags in bin/hearth.js's shebang (`#!/usr/bin/env -S node …`), which `npx hearth` and
 * `npm start` run with: the bench starts Node itself (to add profiling flags), and runs what they run.
 */
export const hearthNodeFlags = nodeFlagsOf(readFileSync(join(root, 'bin/hearth.js'), 'utf8'));

function nodeFlagsOf(script: string): string[] {
  const words = (script.split('\n')[0] ?? '').trim().split(/\s+/);
  const node = words.indexOf('node');
  return node === -1 ? [] : words.slice(node + 1);
}

export interface ServeProcess {
  url: string;
  writeKey: string;
  secretKey: string;
  child: ChildProcess;
  /** CPU seconds (user + system, every thread) the server has used so far; undefined where /proc is not. */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

/** Linux's account of a process's CPU time, in clock ticks of 1/100 s (utime and stime, fields 14 and 15). */
function readCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs the real CLI and returns what it printed; fails with its error output when it fails. */
export async function runHearthCli(args: string[], nodeFlags: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [...hearthNodeFlags, ...nodeFlags, 'bin/hearth.js', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`hearth ${args.join(' ')} failed (${code}): ${stderr.slice(-2000)}`);
  return stdout;
}

/**
 * Starts the real `hearth serve` in its own process, as production runs it. On an empty database
 * it reads the keys it prints; on one that has a workspace, pass the keys.
 */
export async function startServeProcess(
  database: string,
  options: { extraArgs?: string[]; nodeFlags?: string[]; keys?: { writeKey: string; secretKey: string } } = {},
): Promise<ServeProcess> {
  const args = ['bin/hearth.js', 'serve', '--port', '0', ...(options.extraArgs ?? []), '--db', database];
  const child = spawn(process.execPath, [...hearthNodeFlags, ...(options.nodeFlags ?? []), ...args], {
    cwd: root,
    env: { ...process.env, HEARTH_HOST: '127.0.0.1', HEARTH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  return new Promise((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /running on (http:\/\/\S+)/.exec(output)?.[1];
      const writeKey = options.keys?.writeKey ?? /write key:\s+(wk_\w+)/.exec(output)?.[1];
      const secretKey = options.keys?.secretKey ?? /secret key:\s+(sk_\w+)/.exec(output)?.[1];
      if (!url || !writeKey || !secretKey) return;
      done({
        url,
        writeKey,
        secretKey,
        child,
        cpuSeconds: () => readCpuSeconds(child.pid),
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((exited) => child.once('exit', exited));
        },
      });
    });
    child.once('exit', (code) => fail(new Error(`hearth serve exited with ${code}: ${output}`)));
  });
}
