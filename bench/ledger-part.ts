// The ledger part of `npm run bench`, run by bench/run.ts as a client process of its own (see
// part-process.ts): prints one JSON array of lines per database, SQLite first.
import { measureLedgerOperations, withPostgresDatabase } from './loyalty.ts';
import { messageOf } from '../src/platform/errors.ts';

interface LedgerPartOptions {
  sqliteDatabase: string;
  postgres: string;
  operations: number;
  concurrency: number;
  members: number;
  profileFlags: string[];
}

const options = JSON.parse(process.argv[2] ?? '{}') as LedgerPartOptions;
const common = {
  operations: options.operations,
  concurrency: options.concurrency,
  members: options.members,
  profileFlags: options.profileFlags,
};
try {
  const sqlite = await measureLedgerOperations({ ...common, database: options.sqliteDatabase, label: 'SQLite' });
  process.stdout.write(`${JSON.stringify(sqlite)}\n`);
  const postgres = await withPostgresDatabase(options.postgres, (database) =>
    measureLedgerOperations({ ...common, database, label: 'PostgreSQL' }),
  );
  process.stdout.write(`${JSON.stringify(postgres)}\n`);
} catch (error) {
  console.error(messageOf(error));
  process.exitCode = 1;
}
