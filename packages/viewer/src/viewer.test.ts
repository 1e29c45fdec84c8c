import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ternaryColourTable } from '@anet/analysis';
import { parseByteRange, viewerAsset, viewerPageHtml, VIEWER_FILES } from './index';
import { serveFolder } from './serveFolder';
import { parseColourTable } from './browser/labelTable';

describe('parseByteRange', () => {
  it('reads single ranges, suffixes and open ends; says when nothing can be served', () => {
    expect(parseByteRange(undefined, 100)).toBeNull();
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseByteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 100)).toBe('unsatisfiable');
    // Not one plain byte range: the whole file, as RFC 9110 allows.
    expect(parseByteRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseByteRange('bytes=9-3', 100)).toBeNull();
    expect(parseByteRange('items=0-1', 100)).toBeNull();
  });
});

describe('viewerPageHtml', () => {
  it('keeps the config inert: no string in it can close the script element or inject markup', () => {
    const html = viewerPageHtml({
      title: '</script><script>alert(1)</script>',
      assetBase: 'assets/',
      files: { map: 'files/map.nii.gz?token=a<b>&c' },
    });
    expect(html).not.toContain('<script>alert(1)');
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the config's and viewer.js's own
    const json = /<script type="application\/json" id="anet-config">(.*?)<\/script>/s.exec(html)![1];
    expect(JSON.parse(json).files.map).toBe('files/map.nii.gz?token=a<b>&c');
    expect(html).toContain('<title>anet viewer · &lt;/script&gt;');
  });

  it('has its bundle built (npm ci runs the build)', () => {
    expect(viewerAsset('viewer.js').bytes.length).toBeGreaterThan(100_000);
    expect(viewerAsset('viewer.css').bytes.toString()).toContain('#side');
  });
});

describe('label colours', () => {
  it('come from the result’s own Slicer table, so viewer, Slicer and ITK-SNAP agree', () => {
    const cm = parseColourTable(ternaryColourTable());
    expect(cm.I).toEqual([0, 1, 2]);
    expect(cm.labels).toEqual(['no change', 'growth', 'reduction']);
    expect(cm.A[0]).toBe(0);
    expect([cm.R[1], cm.G[1], cm.B[1]]).toEqual([240, 80, 20]);
    expect(() => parseColourTable('# nothing\n')).toThrow(/no labels/);
    expect(() => parseColourTable('1 growth 300 0 0 255')).toThrow(/0\.\.255/);
  });
});

describe('serveFolder (anet view DIR)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'anet-view-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of Object.values(VIEWER_FILES))
    if (name !== VIEWER_FILES.uncertainty) writeFileSync(path.join(dir, name), `contents of ${name}`);

  const get = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request(url, { headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('serves the page and only the viewer’s files, on 127.0.0.1 under a random path, with Range', async () => {
    const served = await serveFolder({ dir });
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/$/);
      const page = await get(served.url);
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body).toContain('"map":"files/map.nii.gz"');
      expect(page.body).not.toContain('uncertainty');
      const map = await get(`${served.url}files/map.nii.gz`, { range: 'bytes=3-9' });
      expect(map.status).toBe(206);
      expect(map.body).toBe('tents o');
      expect(map.headers['content-range']).toBe(`bytes 3-9/${'contents of map.nii.gz'.length}`);
      expect((await get(`${served.url}files/map.nii.gz`, { range: 'bytes=999-' })).status).toBe(416);
      expect((await get(`${served.url}assets/viewer.js`)).status).toBe(200);
      // Nothing outside the list, no path tricks, and the random segment is needed.
      expect((await get(`${served.url}files/..%2Freport.json`)).status).toBe(404);
      expect((await get(`${served.url}files/overlay.png`)).status).toBe(404);
      expect((await get(served.url.replace(/[0-9a-f]{32}\/$/, ''))).status).toBe(404);
      // A page on another origin that rebinds its name to 127.0.0.1 sends its own Host: refused.
      expect((await get(`${served.url}files/map.nii.gz`, { host: 'evil.example:80' })).status).toBe(403);
    } finally {
      await served.close();
    }
  });

  it('says what is missing: a folder without a baseline, or one that is not a result', async () => {
    const bare = mkdtempSync(path.join(tmpdir(), 'anet-view-bare-'));
    try {
      await expect(serveFolder({ dir: bare })).rejects.toThrow(/no baseline scan .*--baseline FILE/);
      writeFileSync(path.join(bare, 'b.nii.gz'), 'x');
      await expect(serveFolder({ dir: bare, baseline: path.join(bare, 'b.nii.gz') })).rejects.toThrow(
        /has no map\.nii\.gz: is it an anet result folder/,
      );
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
