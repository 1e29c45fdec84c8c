// Worker-thread entry: worker threads cannot load TypeScript by themselves, so register tsx first.
import { register } from 'tsx/esm/api';

register();
await import('./trainWorker.ts');
