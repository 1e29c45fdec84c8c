import type { JobView } from '@anet/contracts';

const fmtMl = (v: number | null | undefined) => (v == null ? '—' : `${v.toFixed(2)} mL`);
const fmtPct = (v: number | null | undefined) => (v == null ? '' : ` (${v > 0 ? '+' : ''}${v.toFixed(1)} %)`);

/** A human-readable block for one job (status/watch/submit output). */
export function formatJob(job: JobView): string {
  const lines = [
    `job ${job.id}  ${job.status}${job.stage && job.stage !== job.status ? ` (${job.stage})` : ''}`,
  ];
  lines.push(
    `  profile ${job.profile}${job.clientReference ? `  ref ${job.clientReference}` : ''}  created ${job.createdAt}`,
  );
  if (!['succeeded', 'failed', 'cancelled', 'queued'].includes(job.status))
    lines.push(`  ${formatProgress(job)}`);
  if (job.error) lines.push(`  error ${job.error.code}: ${job.error.message}`);
  if (job.result) {
    const r = job.result;
    // '*': the header's spacing looks wrong, so mL are approximate and the class is the figure to trust
    const star = r.trustworthyFigure === 'ratio' ? '*' : '';
    lines.push(
      `  change ${r.changeMl >= 0 ? '+' : ''}${r.changeMl.toFixed(2)} mL${star}  baseline ${fmtMl(r.baselineMl)}${r.baselineMl == null ? '' : star}  predicted follow-up ${fmtMl(r.predictedFollowupMl)}${r.predictedFollowupMl == null ? '' : star}`,
    );
    lines.push(
      `  modified RANO: ${r.modifiedRano.class}${fmtPct(r.modifiedRano.percentChange)}  RANO 2.0 volumetric: ${r.rano2.class}${fmtPct(r.rano2.percentChange)}`,
    );
    for (const [i, w] of (r.warnings ?? []).entries())
      lines.push(`  ${i === 0 && star ? '*' : '!'} ${w}`);
  }
  return lines.join('\n');
}

export function formatEta(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "training 42% epoch 420/1000 ETA 3:12" */
export function formatProgress(job: JobView): string {
  const p = job.progress;
  const epoch = p.epoch != null && p.totalEpochs != null ? ` epoch ${p.epoch}/${p.totalEpochs}` : '';
  return `${job.stage ?? job.status} ${Math.round(p.fraction * 100)}%${epoch} ETA ${formatEta(p.etaSeconds)}`;
}
