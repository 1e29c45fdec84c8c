/**
 * S3 keys are derived from tenant id + job id only — never from file names or client references,
 * so no patient identifier can end up in a bucket listing.
 */
export const INPUT_PARTS = [
  'baseline',
  'followup',
  'baselineMask',
  'baselineBrainMask',
  'followupBrainMask',
] as const;
export type InputPart = (typeof INPUT_PARTS)[number];

export function jobPrefix(tenantId: string, jobId: string): string {
  return `tenants/${tenantId}/jobs/${jobId}/`;
}
export function inputKey(tenantId: string, jobId: string, part: InputPart): string {
  return `${jobPrefix(tenantId, jobId)}inputs/${part}`;
}
export function checkpointPrefix(tenantId: string, jobId: string): string {
  return `${jobPrefix(tenantId, jobId)}checkpoints/`;
}
/** Zero-padded epoch so that a lexical listing is also an epoch order. */
export function checkpointKey(tenantId: string, jobId: string, epoch: number): string {
  return `${checkpointPrefix(tenantId, jobId)}epoch-${String(epoch).padStart(8, '0')}.ckpt`;
}
export function artifactPrefix(tenantId: string, jobId: string): string {
  return `${jobPrefix(tenantId, jobId)}artifacts/`;
}
export function artifactKey(tenantId: string, jobId: string, name: string): string {
  return `${artifactPrefix(tenantId, jobId)}${name}`;
}
/** Parses `tenants/<t>/jobs/<j>/…` back into ids (the reconciler's orphan sweep). */
export function parseJobKey(key: string): { tenantId: string; jobId: string } | null {
  const m = /^tenants\/([^/]+)\/jobs\/([^/]+)\//.exec(key);
  return m ? { tenantId: m[1], jobId: m[2] } : null;
}
