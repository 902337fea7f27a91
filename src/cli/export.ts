import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';
import { exportSegmentCsv } from '../modules/audience/segment-export.ts';
import { readSegmentById } from '../modules/audience/segments.repo.ts';
import { csvLine } from '../modules/audience/segment-export.ts';
import { findTemplateWorkspace } from '../modules/benefits/coupons.repo.ts';
import { findBatchWorkspace } from '../modules/benefits/product-codes.repo.ts';
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

type Runtime = Awaited<ReturnType<typeof openCommandRuntime>>;

/** A code pool as CSV, found by its owner's id alone: what a printer or a partner is sent. */
function registerPoolExport(
  exportCommand: Command,
  pool: {
    command: string;
    description: string;
    missing: string;
    findWorkspace(runtime: Runtime, ownerId: string): Promise<string | undefined>;
    rows(runtime: Runtime, workspaceId: string, ownerId: string): AsyncGenerator<string[]>;
  },
): void {
  withDatabaseOption(
    exportCommand
      .command(pool.command)
      .description(pool.description)
      .option('--output <file>', 'write to this file instead of standard output'),
  ).action(async (ownerId: string, options: Omit<ExportOptions, 'format'>) => {
    const runtime = await openCommandRuntime(options);
    try {
      const workspaceId = await pool.findWorkspace(runtime, ownerId);
      if (!workspaceId) throw new Error(`there is no ${pool.missing} ${ownerId}`);
      const stream = options.output ? createWriteStream(options.output) : process.stdout;
      let codes = -1;
      for await (const row of pool.rows(runtime, workspaceId, ownerId)) {
        await write(stream, csvLine(row));
        codes += 1;
      }
      await finish(stream, options.output, `${codes} codes`);
    } finally {
      await runtime.close();
    }
  });
}

function registerPoolExports(exportCommand: Command): void {
  registerPoolExport(exportCommand, {
    command: 'coupon-codes <templateId>',
    description: 'Write a coupon template pool as CSV (code, position, member_id, status), e.g. to print on packs',
    missing: 'coupon template',
    findWorkspace: (runtime, id) => findTemplateWorkspace(runtime.database.db, id),
    rows: (runtime, workspaceId, id) => runtime.coupons.exportCodes(workspaceId, id),
  });
  registerPoolExport(exportCommand, {
    command: 'product-codes <batchId>',
    description: 'Write a product code batch as CSV (code, position, member_id, scanned_at), for the printer',
    missing: 'product code batch',
    findWorkspace: (runtime, id) => findBatchWorkspace(runtime.database.db, id),
    rows: (runtime, workspaceId, id) => runtime.productCodes.exportCodes(workspaceId, id),
  });
}

export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Export audiences and coupon codes');
  registerPoolExports(exportCommand);
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
