import type { Command } from 'commander';
import { openRuntime } from '../runtime.ts';
import { resolveConfig, withDatabaseOption, type DatabaseOptions } from './shared-options.ts';

/**
 * Processes the event log without serving HTTP, for deployments that run `hearth serve
 * --no-process` in front. Several workers on one PostgreSQL database take turns through the
 * processor's lock, so the result is the same as with one.
 */
export function registerWorkerCommand(program: Command): void {
  withDatabaseOption(
    program.command('worker').description('Process the event log (identity, profiles, features) without serving HTTP'),
  ).action(async (options: DatabaseOptions) => {
    const config = resolveConfig(options);
    const runtime = await openRuntime({ database: config.database, logLevel: config.logLevel });
    runtime.startProcessing();
    process.stdout.write(`Hearth worker processing ${runtime.database.location}\n`);
    const shutdown = async () => {
      await runtime.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
  });
}
