import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { PNG } from 'pngjs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ReportSchema, ViewerLinkSchema, type JobView, type Report } from '@anet/contracts';
import type { PrismaClient } from '@anet/db';
import { readNifti, writeNifti } from '@anet/nifti';
import { makePhantomPair } from '@anet/preprocess';
import { signViewerLink } from '../../apps/api/src/auth/viewerLinks';
import { startWorker, type RunningWorker } from '../../apps/worker/src/main';
import { loadWorkerConfig } from '../../apps/worker/src/config';
import { bearer, buildTestApp, jobParts, multipart, newTenantKey, testPrisma } from '../service/helpers';

// page.evaluate callbacks run in the browser; this node-typed file only needs the names they use.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
type HTMLElement = any;
type HTMLInputElement = any;
type HTMLCanvasElement = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * The browser viewer end to end: the API and a worker as in tests/service, one real job, a viewer link,
 * the page opened in headless Debian Chromium (software WebGL), checked and photographed.
 */
const CHROMIUM = process.env.ANET_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../tmp/viewer-screenshots/', import.meta.url));
const SECRET = 'test-viewer-link-secret-0123456789abcdef';
// Outside CI a machine without Chromium skips this file with a note; CI installs it (.ci/run) and must run it.
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && !process.env.CI) console.warn(`viewer e2e skipped: no browser at ${CHROMIUM} (apt-get install chromium)`);

/** Flags for a closed network and no GPU: SwiftShader's WebGL2, nothing phoning home. */
const BROWSER_ARGS = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
];

describe.skipIf(!haveBrowser && !process.env.CI)('browser viewer (API + worker + Chromium)', { timeout: 600_000 }, () => {
  let app: FastifyInstance;
  let worker: RunningWorker;
  let prisma: PrismaClient;
  let base: string;
  let owner: { key: string; tenantId: string };
  let stranger: { key: string; tenantId: string };
  let job: JobView;
  let report: Report;
  let linkUrl: string;
  let token: string;
  let browser: BrowserContext;
  let profileDir: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    prisma = testPrisma();
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    app = await buildTestApp(
      { VIEWER_LINK_SECRET: SECRET, VIEWER_LINK_TTL_SECONDS: 600, LOG_LEVEL: 'info' },
      { logger: { level: 'info', stream } },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    worker = await startWorker(
      loadWorkerConfig({ ...process.env, QUEUE_NAME: app.config.QUEUE_NAME, WORKER_HEALTH_PORT: '0', LOG_LEVEL: 'silent' }),
      pino({ level: 'silent' }),
    );
    owner = await newTenantKey(prisma, 'viewer-owner');
    stranger = await newTenantKey(prisma, 'viewer-stranger');

    // A phantom whose lesion doubles; the `cpu` profile (aligned subtraction) finishes in seconds and maps it.
    const phantom = makePhantomPair({ seed: 5, dims: [64, 64, 24], change: 2 });
    const { payload, headers } = multipart(
      jobParts({
        baseline: writeNifti(phantom.baseline, { datatype: 'float32' }),
        followup: writeNifti(phantom.followup, { datatype: 'float32' }),
        mask: writeNifti(phantom.baselineTumour, { datatype: 'uint8' }),
        options: { profile: 'cpu', clientReference: 'viewer-e2e' },
      }),
    );
    const res = await fetch(`${base}/v1/jobs`, { method: 'POST', body: payload, headers: { ...headers, ...bearer(owner.key) } });
    expect(res.status, await res.clone().text()).toBe(202);
    job = (await res.json()) as JobView;
    const end = Date.now() + 300_000;
    for (;;) {
      job = (await (await fetch(`${base}/v1/jobs/${job.id}`, { headers: bearer(owner.key) })).json()) as JobView;
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) break;
      if (Date.now() > end) throw new Error('job did not finish');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    report = ReportSchema.parse(
      await (await fetch(`${base}/v1/jobs/${job.id}/artifacts/report.json`, { headers: bearer(owner.key) })).json(),
    );
    mkdirSync(SCREENSHOTS, { recursive: true });
    profileDir = mkdtempSync(path.join(tmpdir(), 'anet-chromium-'));
    if (haveBrowser)
      browser = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: BROWSER_ARGS,
        viewport: { width: 1280, height: 800 },
      });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await worker?.close();
    await app?.queue.obliterate({ force: true }).catch(() => undefined);
    await app?.close();
    await prisma?.$disconnect();
  });

  const errorOf = async (res: Response) => {
    const text = await res.text();
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
    // Nothing of the job leaks into a refusal: no numbers of its report, no tenant, no token.
    for (const secret of [String(report.volumes.changeMl), owner.tenantId, token, owner.key, 'viewer-owner'])
      expect(text).not.toContain(secret);
    return { status: res.status, code: body.error.code };
  };

  it('the job view links to viewer-links; POST gives a relative, expiring URL with no API key in it', async () => {
    expect(job.links.viewerLinks).toBe(`/v1/jobs/${job.id}/viewer-links`);
    const res = await fetch(`${base}${job.links.viewerLinks}`, { method: 'POST', headers: bearer(owner.key) });
    expect(res.status).toBe(201);
    const link = ViewerLinkSchema.parse(await res.json());
    linkUrl = link.url;
    token = new URL(link.url, base).searchParams.get('token')!;
    expect(link.url.startsWith(`/v1/jobs/${job.id}/viewer?token=`)).toBe(true);
    expect(link.url).not.toContain(owner.key);
    const ttl = Date.parse(link.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(500_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    // No key, no link; another tenant's key sees no such job.
    expect(await errorOf(await fetch(`${base}${job.links.viewerLinks}`, { method: 'POST' }))).toEqual({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    expect(
      await errorOf(await fetch(`${base}${job.links.viewerLinks}`, { method: 'POST', headers: bearer(stranger.key) })),
    ).toEqual({ status: 404, code: 'JOB_NOT_FOUND' });
  });

  it('serves the page with a strict CSP and no referrer, and the files with Range support', async () => {
    const page = await fetch(`${base}${linkUrl}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).not.toContain(owner.key);
    expect(html).toContain('viewer/files/map.nii.gz?token=');

    const full = await fetch(`${base}/v1/jobs/${job.id}/artifacts/map.nii.gz?download=stream`, { headers: bearer(owner.key) });
    const bytes = new Uint8Array(await full.arrayBuffer());
    const file = `${base}/v1/jobs/${job.id}/viewer/files/map.nii.gz?token=${encodeURIComponent(token)}`;
    const whole = await fetch(file);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(bytes);
    const part = await fetch(file, { headers: { range: 'bytes=100-299' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-299/${bytes.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(100, 300));
    const tail = await fetch(file, { headers: { range: 'bytes=-10' } });
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 10));
    const past = await fetch(file, { headers: { range: `bytes=${bytes.length}-` } });
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(await errorOf(past)).toEqual({ status: 416, code: 'RANGE_NOT_SATISFIABLE' });
    // The baseline comes from the job's input; only the viewer's own files are served.
    const baseline = await fetch(`${base}/v1/jobs/${job.id}/viewer/files/baseline.nii.gz?token=${encodeURIComponent(token)}`);
    expect(baseline.status).toBe(200);
    expect(readNifti(new Uint8Array(await baseline.arrayBuffer())).dims).toEqual([64, 64, 24]);
    expect(
      await errorOf(await fetch(`${base}/v1/jobs/${job.id}/viewer/files/overlay.png?token=${encodeURIComponent(token)}`)),
    ).toEqual({ status: 404, code: 'ARTIFACT_NOT_FOUND' });
  });

  it('refuses expired, forged, other-job and other-tenant links without leaking anything', async () => {
    const page = (t: string, id = job.id) => fetch(`${base}/v1/jobs/${id}/viewer?token=${encodeURIComponent(t)}`);
    const file = (t: string) => fetch(`${base}/v1/jobs/${job.id}/viewer/files/report.json?token=${encodeURIComponent(t)}`);
    const expired = signViewerLink(SECRET, { tenantId: owner.tenantId, jobId: job.id, expiresAt: new Date(Date.now() - 1000) });
    expect(await errorOf(await page(expired))).toEqual({ status: 403, code: 'VIEWER_LINK_EXPIRED' });
    expect(await errorOf(await file(expired))).toEqual({ status: 403, code: 'VIEWER_LINK_EXPIRED' });
    // A token claiming another tenant (as if that tenant had asked): that tenant has no such job.
    const foreign = signViewerLink(SECRET, { tenantId: stranger.tenantId, jobId: job.id, expiresAt: new Date(Date.now() + 60_000) });
    expect(await errorOf(await page(foreign))).toEqual({ status: 404, code: 'JOB_NOT_FOUND' });
    expect(await errorOf(await file(foreign))).toEqual({ status: 404, code: 'JOB_NOT_FOUND' });
    // Signed with another secret, tampered, missing, or this job's link on another job's URL.
    const forged = signViewerLink('another-secret-of-at-least-32-chars!!', { tenantId: owner.tenantId, jobId: job.id, expiresAt: new Date(Date.now() + 60_000) });
    expect(await errorOf(await page(forged))).toEqual({ status: 403, code: 'VIEWER_LINK_INVALID' });
    expect(await errorOf(await page(`${token.slice(0, -2)}AA`))).toEqual({ status: 403, code: 'VIEWER_LINK_INVALID' });
    expect(await errorOf(await fetch(`${base}/v1/jobs/${job.id}/viewer`))).toEqual({ status: 403, code: 'VIEWER_LINK_INVALID' });
    expect(await errorOf(await page(token, '00000000-0000-4000-8000-000000000000'))).toEqual({
      status: 403,
      code: 'VIEWER_LINK_INVALID',
    });
  });

  it.skipIf(!haveBrowser)('opens in Chromium: volumes load, the lesion is coloured, the headline is the report’s', async () => {
    const tab = await browser.newPage();
    const problems: string[] = [];
    tab.on('pageerror', (e) => problems.push(e.message));
    // Chromium's gzip DecompressionStream cancels the response once the gzip trailer is read, which
    // shows as ERR_ABORTED; whether every volume arrived whole is checked below instead.
    tab.on('requestfailed', (r) => {
      if (r.failure()?.errorText !== 'net::ERR_ABORTED')
        problems.push(`request failed: ${r.url().split('?')[0]} ${r.failure()?.errorText}`);
    });
    await tab.goto(`${base}${linkUrl}`);
    await tab.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 180_000 });
    expect(await tab.evaluate(() => `${document.body.dataset.state} ${document.getElementById('status')!.textContent}`)).toBe(
      'ready ',
    );
    expect(problems).toEqual([]);
    const loaded = await tab.evaluate(() =>
      (window as unknown as { anetViewer: { nv: { volumes: Array<{ name: string; img: ArrayLike<number>; hdr: { dims: number[] } }> } } }).anetViewer.nv.volumes.map(
        (v) => [v.name, v.img.length === v.hdr.dims[1] * v.hdr.dims[2] * v.hdr.dims[3]],
      ),
    );
    expect(Object.fromEntries(loaded)).toEqual({
      'baseline.nii.gz': true,
      'followup_aligned.nii.gz': true,
      'map.nii.gz': true,
      'ternary_labels.nii.gz': true,
    });
    // The first frame under software WebGL on a loaded 2-core machine can take half a minute.
    await tab.screenshot({ path: path.join(SCREENSHOTS, 'job-multiplanar.png'), timeout: 120_000 });

    // Headline: the report's own numbers and classes.
    const field = (k: string) =>
      tab.$eval(`[data-field="${k}"]`, (el) => ({ text: el.textContent, value: (el as HTMLElement).dataset.value }));
    expect((await field('changeMl')).value).toBe(String(report.volumes.changeMl));
    expect((await field('changeMl')).text).toBe(
      `${report.volumes.changeMl > 0 ? '+' : report.volumes.changeMl < 0 ? '−' : ''}${Math.abs(report.volumes.changeMl).toFixed(2)} mL`,
    );
    expect((await field('growthMl')).value).toBe(String(report.volumes.growthMl));
    expect((await field('reductionMl')).value).toBe(String(report.volumes.reductionMl));
    expect((await field('modifiedRano')).value).toBe(report.classes.modifiedRano.class);
    expect((await field('modifiedRano')).text).toContain(report.classes.modifiedRano.class);
    expect((await field('rano2')).value).toBe(report.classes.rano2.class);
    expect((await field('profile')).value).toBe(report.profile);
    expect((await field('disclaimer')).text).toBe(report.disclaimer);

    // The lesion, found here from the artifacts (not from the page): the growth voxel with the largest map value.
    const labels = readNifti(await artifact('ternary_labels.nii.gz'));
    const map = readNifti(await artifact('map.nii.gz'));
    let best = -1;
    for (let i = 0; i < labels.data.length; i++)
      if (labels.data[i] === 1 && (best < 0 || map.data[i] > map.data[best])) best = i;
    expect(best, 'the phantom’s doubled lesion shows as growth').toBeGreaterThanOrEqual(0);
    const [nx, ny] = labels.dims;
    const vox = [best % nx, Math.floor(best / nx) % ny, Math.floor(best / (nx * ny))];
    const a = labels.affine;
    const mm = [0, 1, 2].map((r) => a[4 * r] * vox[0] + a[4 * r + 1] * vox[1] + a[4 * r + 2] * vox[2] + a[4 * r + 3]);

    const lesion = await showAt(tab, mm);
    await tab.screenshot({ path: path.join(SCREENSHOTS, 'job-axial-lesion.png') });
    const warm = await pixels(tab, lesion, 3);
    // Growth is drawn warm: red well above blue, at the lesion.
    expect(warm.filter(([r, , b]) => r - b > 60).length, `pixels ${JSON.stringify(warm.slice(0, 5))}`).toBeGreaterThan(
      warm.length / 2,
    );
    // The same place with the change layers off is grey anatomy: the colour came from the overlay.
    await tab.evaluate(() => {
      for (const id of ['show-map', 'show-labels']) {
        const el = document.getElementById(id) as HTMLInputElement;
        el.checked = false;
        el.dispatchEvent(new Event('input'));
      }
    });
    const grey = await pixels(tab, lesion, 3);
    expect(grey.filter(([r, , b]) => Math.abs(r - b) > 30).length).toBe(0);
    expect(grey.filter(([r]) => r > 20).length, 'the baseline is drawn (non-blank)').toBeGreaterThan(grey.length / 2);

    // The crosshair read-out names the place in world mm and the map's value there.
    const readout: string = await tab.$eval('[data-readout="mm"]', (el) => el.textContent!);
    const shown = readout.replace(' mm', '').split(',').map(Number);
    shown.forEach((x: number, i: number) => expect(Math.abs(x - mm[i])).toBeLessThan(1.01));
    const mapShown = Number(await tab.$eval('[data-readout="map"]', (el) => el.textContent!));
    expect(Math.abs(mapShown - map.data[best])).toBeLessThan(0.01);
    for (const view of ['coronal', 'sagittal', '3d']) {
      await tab.click(`[data-view="${view}"]`);
      await tab.screenshot({ path: path.join(SCREENSHOTS, `job-${view}.png`) });
    }
    await tab.close();
  });

  it.skipIf(!haveBrowser)('an expired link opens to an error, not to the images', async () => {
    const tab = await browser.newPage();
    const expired = signViewerLink(SECRET, { tenantId: owner.tenantId, jobId: job.id, expiresAt: new Date(Date.now() - 1000) });
    const res = await tab.goto(`${base}/v1/jobs/${job.id}/viewer?token=${encodeURIComponent(expired)}`);
    expect(res!.status()).toBe(403);
    const text = await tab.textContent('body');
    expect(text).toContain('VIEWER_LINK_EXPIRED');
    expect(text).not.toContain(String(report.volumes.changeMl));
    await tab.close();
  });

  it('never logs the token or the key; deleting the job revokes its links', async () => {
    const logs = logLines.join('');
    expect(logs).toContain('token=[redacted]');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(owner.key);
    const del = await fetch(`${base}/v1/jobs/${job.id}`, { method: 'DELETE', headers: bearer(owner.key) });
    expect(del.status).toBe(204);
    const res = await fetch(`${base}${linkUrl}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('JOB_NOT_FOUND');
    writeFileSync(path.join(SCREENSHOTS, 'README.txt'), 'Screenshots from tests/viewer/viewer.e2e.test.ts (not committed).\n');
  });

  async function artifact(name: string): Promise<Uint8Array> {
    const res = await fetch(`${base}/v1/jobs/${job.id}/artifacts/${name}?download=stream`, { headers: bearer(owner.key) });
    return new Uint8Array(await res.arrayBuffer());
  }
});

/** Axial view, crosshair hidden, map fully opaque, centred on `mm`: that point's position in CSS pixels. */
async function showAt(tab: Page, mm: number[]): Promise<{ x: number; y: number }> {
  await tab.click('[data-view="axial"]');
  const pos = await tab.evaluate((p) => {
    const v = (window as unknown as { anetViewer: { nv: any } }).anetViewer; // eslint-disable-line @typescript-eslint/no-explicit-any
    const nv = v.nv;
    nv.setCrosshairWidth(0);
    const slider = document.getElementById('map-opacity') as HTMLInputElement;
    slider.value = '1';
    slider.dispatchEvent(new Event('input'));
    nv.scene.crosshairPos = nv.mm2frac(p);
    nv.drawScene();
    nv.createOnLocationChange();
    const c = nv.frac2canvasPos(nv.scene.crosshairPos) as number[];
    const rect = (nv.canvas as HTMLCanvasElement).getBoundingClientRect();
    const dpr = (nv.canvas as HTMLCanvasElement).width / rect.width;
    return { x: rect.left + c[0] / dpr, y: rect.top + c[1] / dpr };
  }, mm);
  return pos;
}

/** RGB of the (2r+1)² screen pixels around `at`. */
async function pixels(tab: Page, at: { x: number; y: number }, r: number): Promise<Array<[number, number, number]>> {
  const png = PNG.sync.read(
    await tab.screenshot({ clip: { x: Math.round(at.x) - r, y: Math.round(at.y) - r, width: 2 * r + 1, height: 2 * r + 1 } }),
  );
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < png.width * png.height; i++) out.push([png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2]]);
  return out;
}
