import { rename, writeFile } from 'node:fs/promises';

export interface SummaryRow {
  ref: string;
  jobId: string | null;
  status: string;
  changeMl: number | null;
  rano: string | null;
  errorCode: string | null;
}

/** `summary.csv`: ref, job_id, status, change_ml, class (modified RANO), error_code — written atomically. */
export async function writeSummaryCsv(path: string, rows: SummaryRow[]): Promise<void> {
  const lines = ['ref,job_id,status,change_ml,class,error_code'];
  for (const r of rows) {
    lines.push(
      [
        r.ref,
        r.jobId ?? '',
        r.status,
        r.changeMl == null ? '' : String(r.changeMl),
        r.rano ?? '',
        r.errorCode ?? '',
      ]
        .map(csvField)
        .join(','),
    );
  }
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${lines.join('\n')}\n`);
  await rename(tmp, path);
}

export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
