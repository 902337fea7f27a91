import type { Command } from 'commander';
import { openCommandRuntime, printJson, withDatabaseOption, type DatabaseOptions } from './shared-options.ts';

export function registerReplayCommand(program: Command): void {
  withDatabaseOption(
    program
      .command('replay')
      .description('Rebuild identity, profiles, features and the points ledger and tiers from the event log')
      .option('--json', 'print {"events": N}'),
  ).action(async (options: DatabaseOptions & { json?: boolean }) => {
    const runtime = await openCommandRuntime(options);
    try {
      await runtime.processor.reset();
      const events = await runtime.processor.runUntilIdle();
      if (options.json) printJson({ events });
      else process.stdout.write(`replayed ${events} events\n`);
    } finally {
      await runtime.close();
    }
  });
}
