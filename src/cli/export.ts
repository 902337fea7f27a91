import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import { exportSegmentCsv } from '../modules/audience/segment-export.ts';
import { readSegmentById } from '../modules/audience/segments.repo.ts';
import { csvLine } from '../modules/audience/segment-export.ts';
import { findTemplateWorkspace } from '../modules/benefits/coupons.repo.ts';
import { openCommandRuntime, withDatabaseOption, type DatabaseOptions } from './shared-options.ts';

interface ExportOptions extends DatabaseOptions {
  format: string;
  output?: string;
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function finish(stream: Writable, output: string | undefined, what: string): Promise<void> {
  if (!output) return;
  stream.end();
  await once(stream, 'finish');
  process.stderr.write(`${what} written to ${output}\n`);
}

function registerCouponCodesExport(exportCommand: Command): void {
  withDatabaseOption(
    exportCommand
      .command('coupon-codes <templateId>')
      .description('Write a coupon template pool as CSV (code, position, member_id, status), e.g. to print on packs')
      .option('--output <file>', 'write to this file instead of standard output'),
  ).action(async (templateId: string, options: Omit<ExportOptions, 'format'>) => {
    const runtime = await openCommandRuntime(options);
    try {
      const workspaceId = await findTemplateWorkspace(runtime.database.db, templateId);
      if (!workspaceId) throw new Error(`there is no coupon template ${templateId} (see GET /api/coupon-templates)`);
      const stream = options.output ? createWriteStream(options.output) : process.stdout;
      let codes = -1;
      for await (const row of runtime.coupons.exportCodes(workspaceId, templateId)) {
        await write(stream, csvLine(row));
        codes += 1;
      }
      await finish(stream, options.output, `${codes} codes`);
    } finally {
      await runtime.close();
    }
  });
}

export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Export audiences and coupon codes');
  registerCouponCodesExport(exportCommand);
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
      await finish(stream, options.output, `${segment.size} members of ${segment.name}`);
    } finally {
      await runtime.close();
    }
  });
}
