import type { Command } from 'commander';
import { openRuntime } from '../runtime.ts';
import { startServer, type RunningServer } from '../server.ts';
import type { WorkspaceKeys, Workspace } from '../modules/workspaces/workspaces.schema.ts';
import { parseInteger, resolveConfig, withDatabaseOption, type DatabaseOptions } from './shared-options.ts';

export function registerServeCommand(program: Command): void {
  withDatabaseOption(
    program
      .command('serve')
      .description('Start the HTTP server (tracking API under /v1, management API under /api) and the processor')
      .option('--port <n>', 'port to listen on (default: HEARTH_PORT or 8080)', parseInteger('--port'))
      .option('--no-process', 'accept events only; `hearth worker` processes them in another process'),
  ).action(async (options: DatabaseOptions & { port?: number; process: boolean }) => {
    const config = resolveConfig(options);
    const runtime = await openRuntime({
      database: config.database,
      logLevel: config.logLevel,
      ingestThreads: config.ingestThreads,
      // Measured with the bench's live part: 6% fewer events a second with the read-ahead thread.
      readLogAhead: false,
    });
    let server: RunningServer | undefined;
    try {
      server = await startServer(runtime, { port: config.port, host: config.host, process: options.process });
      // Only once listening: keys are shown once, so a workspace made before a failed listen (port
      // taken) would keep keys nobody ever saw, and the next start would not make another.
      const created = await runtime.workspaces.ensureDefaultWorkspace();
      process.stdout.write(`${banner(server.url, runtime.database.location, created).join('\n')}\n`);
    } catch (error) {
      // Close the pool too: an open PostgreSQL pool would keep the failed command alive.
      await server?.close();
      await runtime.close();
      throw error;
    }
    const running = server;
    const shutdown = async () => {
      await running.close();
      await runtime.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
  });
}

function banner(
  url: string,
  location: string,
  created: (WorkspaceKeys & { workspace: Workspace }) | undefined,
): string[] {
  const lines = [
    `Hearth is running on ${url} (database: ${location})`,
    `  send events:  POST ${url}/v1/batch   (Segment tracking API; write key as HTTP Basic user)`,
    `  manage:       ${url}/api/…           (Authorization: Bearer <secret key>)`,
    `  API document: ${url}/openapi.json`,
  ];
  if (created) {
    lines.push(
      '',
      `Created workspace "${created.workspace.name}" (${created.workspaceId}). Keep these keys; they are shown once:`,
      `  write key:  ${created.writeKey}`,
      `  secret key: ${created.secretKey}`,
      '',
      'Try it:',
      `  curl -u ${created.writeKey}: -H 'Content-Type: application/json' ${url}/v1/track \\`,
      `    -d '{"userId":"u1","event":"Signed Up","traits":{"email":"ana@example.com"}}'`,
    );
  }
  return lines;
}
