// Entry of the sandboxed processor (a worker thread): registers tsx so the TypeScript
// processor loads without a build step, then re-exports it.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./analyse.ts');
export default mod.default;
