import { createHash, randomUUID } from 'node:crypto';
import type { JobView } from '@anet/contracts';
import { jobView } from './jobView';
import { readBody, sendJson, startServer } from './startServer';

interface FakeJob {
  view: JobView;
  polls: number;
  idempotencyKey: string;
  payloadHash: string;
}

/**
 * A small stand-in for the anet API that speaks the REST contract over real HTTP: multipart
 * submission with NIfTI magic checks and Idempotency-Key semantics, jobs that advance one stage per
 * poll, artifacts behind a presigned-style redirect. For fast CLI tests; the real stack is tested in
 * cli.integration.test.ts.
 */
export async function startFakeAnetApi(opts: { token: string; pollsToFinish?: number; failRefs?: string[] }) {
  const jobs = new Map<string, FakeJob>();
  const byKey = new Map<string, FakeJob>();
  const report = (id: string) => Buffer.from(JSON.stringify({ schemaVersion: '1.0.0', jobId: id }));
  const map = (id: string) => Buffer.from(`map-bytes-of-${id}`.repeat(100));
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const pollsToFinish = opts.pollsToFinish ?? 2;

  const s = await startServer(async (req, res) => {
    const u = new URL(req.url!, 'http://x');
    if (u.pathname.startsWith('/s3/')) {
      if (req.headers.authorization) return sendJson(res, 400, { error: 'token leaked to storage' });
      res.writeHead(200, { 'content-type': 'application/gzip' });
      return res.end(map(u.pathname.slice(4)));
    }
    if (req.headers.authorization !== `Bearer ${opts.token}`) {
      return sendJson(res, 401, { error: { code: 'UNAUTHORIZED', message: 'missing or invalid API key' } });
    }
    if (req.method === 'POST' && u.pathname === '/v1/jobs') {
      const body = await readBody(req);
      const form = await new Response(body, {
        headers: { 'content-type': req.headers['content-type']! },
      }).formData();
      const options = JSON.parse((form.get('options') as string | null) ?? '{}');
      const files: Buffer[] = [];
      for (const name of ['baseline', 'followup']) {
        const f = form.get(name) as File | null;
        if (!f) return sendJson(res, 400, { error: { code: 'PART_MISSING', message: `${name} missing` } });
        const b = Buffer.from(await f.arrayBuffer());
        const isGz = b[0] === 0x1f && b[1] === 0x8b;
        const isNii = b.length > 348 && b.toString('latin1', 344, 347) === 'n+1';
        if (!isGz && !isNii) {
          return sendJson(res, 422, {
            error: { code: 'NIFTI_BAD_MAGIC', message: `${name}: not a NIfTI file` },
          });
        }
        files.push(b);
      }
      const payloadHash = sha(Buffer.concat([...files, Buffer.from(JSON.stringify(options))]));
      const key = req.headers['idempotency-key'] as string | undefined;
      const existing = key ? byKey.get(key) : undefined;
      if (existing) {
        if (existing.payloadHash !== payloadHash) {
          return sendJson(res, 422, {
            error: { code: 'IDEMPOTENCY_KEY_REUSED', message: 'different payload' },
          });
        }
        return sendJson(res, 200, existing.view, {
          location: `/v1/jobs/${existing.view.id}`,
          'retry-after': '1',
        });
      }
      const id = randomUUID();
      const job: FakeJob = {
        view: jobView(id, {
          clientReference: options.clientReference ?? null,
          profile: options.profile ?? 'cpu',
        }),
        polls: 0,
        idempotencyKey: key ?? '',
        payloadHash,
      };
      jobs.set(id, job);
      if (key) byKey.set(key, job);
      return sendJson(res, 202, job.view, { location: `/v1/jobs/${id}`, 'retry-after': '1' });
    }
    const m = /^\/v1\/jobs\/([^/]+)(\/artifacts(?:\/([^/]+))?)?$/.exec(u.pathname);
    const job = m ? jobs.get(m[1]) : undefined;
    if (!m || !job) return sendJson(res, 404, { error: { code: 'JOB_NOT_FOUND', message: 'no such job' } });
    const id = job.view.id;
    if (!m[2]) {
      if (job.view.status !== 'succeeded' && job.view.status !== 'failed') {
        job.polls++;
        const fail = opts.failRefs?.includes(job.view.clientReference ?? '');
        if (job.polls >= pollsToFinish) {
          job.view = fail
            ? {
                ...job.view,
                status: 'failed',
                stage: null,
                error: { code: 'TRAINING_DIVERGED', message: 'diverged' },
              }
            : {
                ...job.view,
                status: 'succeeded',
                stage: null,
                progress: { fraction: 1, epoch: 4, totalEpochs: 4, etaSeconds: 0 },
                result: {
                  changeMl: 1.25,
                  baselineMl: 10,
                  predictedFollowupMl: 11.25,
                  modifiedRano: { class: 'stable', percentChange: 12.5 },
                  rano2: { class: 'stable', percentChange: 12.5 },
                },
              };
        } else {
          job.view = {
            ...job.view,
            status: 'training',
            stage: 'training',
            progress: { fraction: 0.5, epoch: 2, totalEpochs: 4, etaSeconds: 3 },
          };
        }
      }
      const terminal = job.view.status === 'succeeded' || job.view.status === 'failed';
      return sendJson(res, 200, job.view, terminal ? {} : { 'retry-after': '0' });
    }
    if (job.view.status !== 'succeeded') {
      return sendJson(res, 409, { error: { code: 'JOB_NOT_FINISHED', message: 'not finished' } });
    }
    if (!m[3]) {
      return sendJson(res, 200, {
        items: [
          {
            name: 'report.json',
            contentType: 'application/json',
            bytes: report(id).length,
            sha256: sha(report(id)),
            href: `/v1/jobs/${id}/artifacts/report.json`,
          },
          {
            name: 'map.nii.gz',
            contentType: 'application/gzip',
            bytes: map(id).length,
            sha256: sha(map(id)),
            href: `/v1/jobs/${id}/artifacts/map.nii.gz`,
          },
        ],
      });
    }
    if (m[3] === 'report.json') return sendJson(res, 200, JSON.parse(report(id).toString()));
    if (m[3] === 'map.nii.gz') {
      res.writeHead(302, { location: `${s.url}/s3/${id}` });
      return res.end();
    }
    return sendJson(res, 404, { error: { code: 'ARTIFACT_NOT_FOUND', message: m[3] } });
  });
  return { ...s, jobs };
}
