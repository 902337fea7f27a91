import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from '../platform/config.ts';
import { openRuntime, type Runtime } from '../runtime.ts';
import type { Workspace } from '../modules/workspaces/workspaces.schema.ts';

export interface DatabaseOptions {
  db?: string;
}

/** Every command takes `--db PATH|URL`; otherwise DATABASE_URL, HEARTH_DB, then ./data/hearth.db. */
export function withDatabaseOption(command: Command): Command {
  return command.option(
    '--db <location>',
    'SQLite file path or postgres:// URL (default: DATABASE_URL or ./data/hearth.db)',
  );
}

export function resolveConfig(options: DatabaseOptions & { port?: number }): Config {
  return loadConfig(process.env, {
    ...(options.db ? { db: options.db } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
}

/** CLI commands log warnings only; their output is for people and scripts. */
export async function openCommandRuntime(options: DatabaseOptions): Promise<Runtime> {
  const config = resolveConfig(options);
  return openRuntime({ database: config.database, logLevel: 'warn' });
}

export function parseInteger(name: string, minimum = 0) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${minimum}`);
    }
    return parsed;
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The workspace a command works on: the one named, or the only one the database has. */
export async function resolveWorkspace(runtime: Runtime, requested: string | undefined): Promise<Workspace> {
  if (requested) {
    const workspace = await runtime.workspaces.get(requested);
    if (!workspace) throw new Error(`--workspace: there is no workspace ${requested} (see \`hearth workspace list\`)`);
    return workspace;
  }
  const workspaces = await runtime.workspaces.list();
  const [only] = workspaces;
  if (workspaces.length === 1 && only) return only;
  if (workspaces.length === 0) {
    throw new Error(
      '--workspace: the database has no workspace yet; create one with `hearth workspace create --name …`',
    );
  }
  throw new Error(
    `--workspace is required: the database has ${workspaces.length} workspaces (${workspaces.map((item) => item.id).join(', ')})`,
  );
}
