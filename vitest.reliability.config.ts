import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: the fast reliability files (also in `npm test`) plus the long ones
// (faults with restarted Redis/Postgres proxy/S3 proxy/killed API, load). Files run one at a time:
// the long ones start their own processes and measure timings.
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts', 'tests/reliability/long/**/*.rel.ts'],
    globalSetup: ['scripts/test.globalSetup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
