/** Exit codes scripts can rely on (documented in the README). */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  INPUT: 3,
  SERVER_REJECTED: 4,
  JOB_FAILED: 5,
  NETWORK: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
