import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(repoRoot, 'bin/hearth.js');

/** PostgreSQL sessions of CLI processes carry this application_name (node-postgres reads PGAPPNAME). */
export const cliApplicationName = 'hearth-cli-under-test';

/** The child sees only what the tests choose: no DATABASE_URL or HEARTH_* from the developer's shell. */
function childEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'DATABASE_URL' || name.startsWith('HEARTH_')) continue;
    environment[name] = value;
  }
  return { ...environment, HEARTH_HOST: '127.0.0.1', HEARTH_LOG_LEVEL: 'warn', PGAPPNAME: cliApplicationName };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI, as a user runs it. */
export function runHearth(args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, env: childEnvironment(), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

export interface ServeKeys {
  workspaceId: string;
  writeKey: string;
  secretKey: string;
}

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

/** A long-running CLI process (`hearth serve`), its output kept for assertions and failure messages. */
export interface HearthProcess {
  child: ChildProcess;
  /** Whether it has exited, and how (undefined while it runs). */
  exitStatus(): ExitStatus | undefined;
  /** Sends the signal (unless it is gone already) and waits for the process to be gone. */
  kill(signal: NodeJS.Signals): Promise<ExitStatus>;
  output(): { stdout: string; stderr: string };
  /** Log lines at level error or above (pino JSON); a processing batch that failed shows up here. */
  errorLogs(): string[];
}

export interface ServeProcess extends HearthProcess {
  url: string;
  /** Printed only when this start created the Default workspace. */
  keys: ServeKeys | undefined;
}

export const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function parseKeys(stdout: string): ServeKeys | undefined {
  const workspaceId = /Created workspace "[^"]*" \((ws_\w+)\)/.exec(stdout)?.[1];
  const writeKey = /write key: +(wk_\w+)/.exec(stdout)?.[1];
  const secretKey = /secret key: +(sk_\w+)/.exec(stdout)?.[1];
  return workspaceId && writeKey && secretKey ? { workspaceId, writeKey, secretKey } : undefined;
}

/** Starts the real CLI in the background and returns at once. */
export function spawnHearth(args: string[]): HearthProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: childEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((done) =>
    child.once('exit', (code, signal) => {
      status = { code, signal };
      done(status);
    }),
  );
  return {
    child,
    exitStatus: () => status,
    kill: async (signal) => {
      if (!status) child.kill(signal);
      return exited;
    },
    output: () => ({ stdout, stderr }),
    errorLogs: () => `${stdout}\n${stderr}`.split('\n').filter((line) => /^\{.*"level":(5\d|6\d)/.test(line)),
  };
}

/** Starts `hearth serve --port 0 --db LOCATION` and resolves once /healthz answers 200. */
export async function spawnServe(location: string): Promise<ServeProcess> {
  const serve = spawnHearth(['serve', '--port', '0', '--db', location]);
  try {
    const url = await waitFor(
      'hearth serve to print its address',
      async () => {
        const { stdout, stderr } = serve.output();
        if (serve.exitStatus()) throw new Error(`hearth serve exited early:\n${stdout}\n${stderr}`);
        const banner = /Hearth is running on (http:\/\/\S+) /.exec(stdout)?.[1];
        // The keys follow the address in the same banner; wait for the whole of it.
        const complete =
          stdout.includes('API document:') && (!stdout.includes('Created workspace') || parseKeys(stdout));
        return banner && complete ? banner : undefined;
      },
      30_000,
    );
    await waitFor(
      '/healthz',
      async () => {
        const response = await fetch(`${url}/healthz`).catch(() => undefined);
        return response?.status === 200 ? true : undefined;
      },
      30_000,
    );
    return { ...serve, url, keys: parseKeys(serve.output().stdout) };
  } catch (error) {
    await serve.kill('SIGKILL');
    throw error;
  }
}

/** `hearth import FILE --map MAPPING` into a test server's workspace and database, as an operator runs it. */
export async function importWithMapping(
  target: { workspaceId: string; database: { location: string } },
  file: string,
  mapping: string,
): Promise<{ accepted: number; rejected: number }> {
  const imported = await runHearth([
    'import',
    file,
    '--map',
    mapping,
    '--workspace',
    target.workspaceId,
    '--json',
    '--db',
    target.database.location,
  ]);
  if (imported.code !== 0) throw new Error(`hearth import failed: ${imported.stderr}`);
  return JSON.parse(imported.stdout) as { accepted: number; rejected: number };
}
