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

/** Starts the real `hearth serve` in its own process, as production runs it, on an empty database. */
export async function startServeProcess(
  database: string,
  options: { extraArgs?: string[]; nodeFlags?: string[] } = {},
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
      const writeKey = /write key:\s+(wk_\w+)/.exec(output)?.[1];
      const secretKey = /secret key:\s+(sk_\w+)/.exec(output)?.[1];
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
