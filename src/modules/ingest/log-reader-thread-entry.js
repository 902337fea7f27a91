// Worker threads do not inherit tsx's loader from the thread that starts them: register it here,
// then load the TypeScript module that does the work.
import { register } from 'tsx/esm/api';

register();
await import('./log-reader-thread.ts');
