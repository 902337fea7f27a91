import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import { exportSegmentCsv } from '../modules/audience/segment-export.ts';
import { readSegmentById } from '../modules/audience/segments.repo.ts';
import { openCommandRuntime, withDatabaseOption, type DatabaseOptions } from './shared-options.ts';

interface ExportOptions extends DatabaseOptions {
  format: string;
  output?: string;
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Export audiences');
  withDatabaseOption(
    exportCommand
      .command('segment <segmentId>')
      .description('Write the members of a saved segment as CSV: member_id, since, user_id, email, phone')
      .option(
        '--format <format>',
        'output format (csv)',
        (value: string) => {
          if (value !== 'csv') throw new InvalidArgumentError('the only format is csv');
          return value;
        },
        'csv',
      )
      .option('--output <file>', 'write to this file instead of standard output'),
  ).action(async (segmentId: string, options: ExportOptions) => {
    const runtime = await openCommandRuntime(options);
    try {
      const segment = await readSegmentById(runtime.database.db, segmentId);
      if (!segment) throw new Error(`there is no segment ${segmentId} (see GET /api/segments)`);
      const stream = options.output ? createWriteStream(options.output) : process.stdout;
      for await (const line of exportSegmentCsv(runtime.database.db, segment)) await write(stream, line);
      if (options.output) {
        stream.end();
        await once(stream, 'finish');
        process.stderr.write(`${segment.size} members of ${segment.name} written to ${options.output}\n`);
      }
    } finally {
      await runtime.close();
    }
  });
}
