import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface ServeProcess {
  url: string;
  writeKey: string;
  secretKey: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs the real CLI and returns what it printed; fails with its error output when it fails. */
export async function runHearthCli(args: string[], nodeFlags: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [...nodeFlags, 'bin/hearth.js', ...args], {
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
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...args], {
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
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((exited) => child.once('exit', exited));
        },
      });
    });
    child.once('exit', (code) => fail(new Error(`hearth serve exited with ${code}: ${output}`)));
  });
}
