// Operational helpers the worker shares with the API (log format, metrics access, probe timeouts).
export { logDestination, prettyLine } from './logging';
export { metricsFor, withTimeout } from './metricsAccess';
