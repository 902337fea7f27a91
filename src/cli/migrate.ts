import type { Command } from 'commander';
import { openCommandRuntime, withDatabaseOption, type DatabaseOptions } from './shared-options.ts';

export function registerMigrateCommand(program: Command): void {
  withDatabaseOption(
    program.command('migrate').description('Apply database migrations (also done at every start)'),
  ).action(async (options: DatabaseOptions) => {
    const runtime = await openCommandRuntime(options);
    process.stdout.write(`database ${runtime.database.location} is up to date\n`);
    await runtime.close();
  });
}
