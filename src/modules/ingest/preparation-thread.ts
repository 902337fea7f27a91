import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { HearthError, messageOf, type ErrorCode, type Issue } from '../../platform/errors.ts';
import { packRows, transferablesOf, type PackedRows } from './log-thread-payloads.ts';
import { prepareEncodedRequest, type EncodedTrackingRequest } from './request-preparation.ts';

/**
 * A preparation thread: it decodes, validates and prepares tracking requests (the JSON parse, the
 * schema, the stored payload's serialisation), which had taken over half of the main thread's time
 * under batch ingestion, and hands back the log's rows packed for the log's writer thread.
 */
export interface PreparationThreadData {
  hearthPreparation: true;
}

export type PreparationRequest = ({ kind: 'prepare'; id: number } & EncodedTrackingRequest) | { kind: 'close' };

/** A refusal as the main thread rebuilds it: the same HearthError it would have thrown itself. */
export interface RefusalData {
  code: ErrorCode;
  message: string;
  issues: Issue[];
  retryAfterSeconds: number | undefined;
}

export type PreparationReply =
  | { kind: 'prepared'; id: number; packed: PackedRows }
  | { kind: 'refused'; id: number; refusal: RefusalData }
  | { kind: 'failed'; id: number; message: string };

export function isPreparationThreadData(value: unknown): value is PreparationThreadData {
  return (
    typeof value === 'object' && value !== null && (value as Partial<PreparationThreadData>).hearthPreparation === true
  );
}

function answer(request: Extract<PreparationRequest, { kind: 'prepare' }>): PreparationReply {
  try {
    return { kind: 'prepared', id: request.id, packed: packRows(prepareEncodedRequest(request)) };
  } catch (error) {
    if (error instanceof HearthError) {
      const { code, message, issues, retryAfterSeconds } = error;
      return { kind: 'refused', id: request.id, refusal: { code, message, issues, retryAfterSeconds } };
    }
    return { kind: 'failed', id: request.id, message: messageOf(error) };
  }
}

function serve(port: MessagePort): void {
  port.on('message', (request: PreparationRequest) => {
    if (request.kind === 'close') {
      port.close();
      return;
    }
    const reply = answer(request);
    port.postMessage(reply, reply.kind === 'prepared' ? transferablesOf([reply.packed]) : []);
  });
}

if (parentPort && isPreparationThreadData(workerData)) serve(parentPort);
