// Worker threads do not inherit tsx's loader from the thread that starts them: register it here,
// then load the TypeScript module that does the work.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { isLogThreadData, openWriterHost, serveLogThread } = await import('./event-log-thread.ts');
if (parentPort && isLogThreadData(workerData)) {
  serveLogThread(parentPort, openWriterHost(workerData.location), workerData.location);
}
