// Child process for the memory test: one submitJob, then prints peak RSS (MiB).
import { AnetClient } from '../../../apps/cli/src/client';

const [url, baseline, followup] = process.argv.slice(2);
await new AnetClient({ baseUrl: url, token: 'mem-test' }).submitJob({
  baseline,
  followup,
  idempotencyKey: 'mem',
});
process.stdout.write(`${process.resourceUsage().maxRSS / 1024}\n`);
