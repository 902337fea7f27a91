import type { Command } from 'commander';
import { openCommandRuntime, printJson, withDatabaseOption, type DatabaseOptions } from './shared-options.ts';
import { createWorkspaceSchema } from '../modules/workspaces/workspaces.schema.ts';

interface CreateOptions extends DatabaseOptions {
  name: string;
  currency?: string;
  timezone?: string;
  phoneRegion?: string;
  json?: boolean;
}

export function registerWorkspaceCommands(program: Command): void {
  const workspace = program.command('workspace').description('Manage workspaces (brands) and their keys');
  withDatabaseOption(
    workspace
      .command('create')
      .description('Create a workspace and print its write key and secret key')
      .requiredOption('--name <name>', 'workspace name')
      .option('--currency <code>', 'ISO 4217 currency (default CNY)')
      .option('--timezone <zone>', 'IANA time zone (default Asia/Shanghai)')
      .option('--phone-region <region>', 'default region for phone numbers (default CN)')
      .option('--json', 'print {"workspaceId","writeKey","secretKey"}'),
  ).action(async (options: CreateOptions) => {
    const input = createWorkspaceSchema.safeParse({
      name: options.name,
      ...(options.currency ? { currency: options.currency } : {}),
      ...(options.timezone ? { timezone: options.timezone } : {}),
      ...(options.phoneRegion ? { phoneRegion: options.phoneRegion } : {}),
    });
    if (!input.success) {
      const issue = input.error.issues[0];
      const flag = { phoneRegion: '--phone-region' }[String(issue?.path[0])] ?? `--${String(issue?.path[0])}`;
      throw new Error(`${flag}: ${issue?.message}`);
    }
    const runtime = await openCommandRuntime(options);
    try {
      const created = await runtime.workspaces.create(input.data);
      if (options.json) {
        printJson({ workspaceId: created.workspaceId, writeKey: created.writeKey, secretKey: created.secretKey });
      } else {
        process.stdout.write(
          `workspace ${created.workspaceId} (${created.workspace.name}, ${created.workspace.currency}, ${created.workspace.timezone})\n` +
            `write key:  ${created.writeKey}\nsecret key: ${created.secretKey}\n`,
        );
      }
    } finally {
      await runtime.close();
    }
  });
  withDatabaseOption(workspace.command('list').description('List workspaces').option('--json', 'print JSON')).action(
    async (options: DatabaseOptions & { json?: boolean }) => {
      const runtime = await openCommandRuntime(options);
      try {
        const workspaces = await runtime.workspaces.list();
        if (options.json) printJson(workspaces);
        else
          for (const item of workspaces)
            process.stdout.write(`${item.id}\t${item.name}\t${item.currency}\t${item.timezone}\n`);
      } finally {
        await runtime.close();
      }
    },
  );
}
