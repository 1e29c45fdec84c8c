import { afterEach, describe, expect, it } from 'vitest';
import { AnetClient, AnetHttpError, waitForJob } from '../../apps/cli/src/client';
import { jobView } from './helpers/jobView';
import { sendJson, startServer } from './helpers/startServer';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('waitForJob', () => {
  it('honours Retry-After between polls and rides out an outage longer than the retry budget', async () => {
    let n = 0;
    const s = await startServer((_req, res) => {
      n++;
      // Polls 2-5 fail (the API restarting); each poll's own retries (2 attempts) are exhausted.
      if (n >= 2 && n <= 5)
        return sendJson(res, 503, { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'restarting' } });
      const status = n >= 7 ? 'succeeded' : 'training';
      sendJson(
        res,
        200,
        jobView('j', { status, stage: status === 'training' ? 'training' : null }),
        status === 'training' ? { 'retry-after': '0.05' } : {},
      );
    });
    close = s.close;
    const client = new AnetClient({
      baseUrl: s.url,
      token: 't0ken',
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
    });
    const outages: number[] = [];
    const updates: string[] = [];
    const job = await waitForJob(client, 'j', {
      defaultIntervalMs: 20,
      minIntervalMs: 10,
      onOutage: (_e, ms) => outages.push(ms),
      onUpdate: (j) => updates.push(j.status),
    });
    expect(job.status).toBe('succeeded');
    expect(outages).toHaveLength(2); // two polls of two attempts each failed
    expect(updates).toEqual(['training', 'succeeded']);
    // Retry-After 0.05 s was honoured between the healthy polls (6 → 7).
    expect(s.requests[6].at - s.requests[5].at).toBeGreaterThanOrEqual(45);
  });

  it('gives up when the outage outlasts maxOutageMs, and never waits through a 4xx', async () => {
    const down = await startServer((_req, res) =>
      sendJson(res, 503, { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'x' } }),
    );
    const c = new AnetClient({ baseUrl: down.url, token: 't0ken', retry: { maxAttempts: 1 } });
    await expect(waitForJob(c, 'j', { defaultIntervalMs: 10, maxOutageMs: 50 })).rejects.toBeInstanceOf(
      AnetHttpError,
    );
    await down.close();

    const gone = await startServer((_req, res) =>
      sendJson(res, 404, { error: { code: 'JOB_NOT_FOUND', message: 'gone' } }),
    );
    close = gone.close;
    const c2 = new AnetClient({ baseUrl: gone.url, token: 't0ken' });
    await expect(waitForJob(c2, 'j')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect(gone.requests).toHaveLength(1);
  });

  it('stops on abort', async () => {
    const s = await startServer((_req, res) =>
      sendJson(res, 200, jobView('j', { status: 'queued' }), { 'retry-after': '5' }),
    );
    close = s.close;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 100);
    const t0 = Date.now();
    await expect(
      waitForJob(new AnetClient({ baseUrl: s.url, token: 't0ken' }), 'j', { signal: controller.signal }),
    ).rejects.toThrow('stop');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
