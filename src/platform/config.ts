import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** Environment is parsed once, here; nothing else reads process.env. */
const environmentSchema = z.object({
  HEARTH_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HEARTH_HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().min(1).optional(),
  HEARTH_DB: z.string().min(1).optional(),
  HEARTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HEARTH_INGEST_THREADS: z.coerce.number().int().min(0).max(64).optional(),
});

/**
 * Tracking requests are decoded and validated on threads of their own, leaving the main thread
 * HTTP and the processor; the log's writer has a thread too. One fewer than the cores, so that on
 * two cores one thread prepares while the main thread and the writer share the other.
 */
function defaultIngestThreads(): number {
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}

export interface Config {
  port: number;
  host: string;
  database: string;
  logLevel: string;
  ingestThreads: number;
}

export const defaultDatabasePath = './data/hearth.db';

export function loadConfig(environment: NodeJS.ProcessEnv, overrides: { port?: number; db?: string } = {}): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid environment: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const env = parsed.data;
  return {
    port: overrides.port ?? env.HEARTH_PORT,
    host: env.HEARTH_HOST,
    database: overrides.db ?? env.DATABASE_URL ?? env.HEARTH_DB ?? defaultDatabasePath,
    logLevel: env.HEARTH_LOG_LEVEL,
    ingestThreads: env.HEARTH_INGEST_THREADS ?? defaultIngestThreads(),
  };
}
