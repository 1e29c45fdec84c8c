import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AnetError } from '@anet/contracts';

/**
 * The browser viewer's page, its bundled script and style, and the few rules both hosts (the API, and
 * `anet view DIR` on 127.0.0.1) share: which files the page reads, the byte ranges they serve, the
 * security headers. The page itself is `src/browser/` bundled by `scripts/build.mjs` into `dist/`.
 */

/** Each file the page reads, by role → its name in a result folder / among a job's artifacts. */
export const VIEWER_FILES = {
  baseline: 'baseline.nii.gz',
  followup: 'followup_aligned.nii.gz',
  map: 'map.nii.gz',
  labels: 'ternary_labels.nii.gz',
  labelTable: 'ternary_labels.ctbl',
  uncertainty: 'uncertainty.nii.gz',
  report: 'report.json',
} as const;
export type ViewerRole = keyof typeof VIEWER_FILES;
export const VIEWER_FILE_NAMES: readonly string[] = Object.values(VIEWER_FILES);
/** Roles the page can do without (older results have no aligned follow-up; only network maps have uncertainty). */
export const OPTIONAL_ROLES: readonly ViewerRole[] = ['followup', 'uncertainty'];

export const VIEWER_ASSETS = {
  'viewer.js': 'text/javascript; charset=utf-8',
  'viewer.css': 'text/css; charset=utf-8',
} as const;
export type ViewerAssetName = keyof typeof VIEWER_ASSETS;

/** What the page is told: where each file is (URLs relative to the page), and what it shows. */
export interface ViewerPageConfig {
  /** Shown in the title bar: a job id or a folder name, never a patient identifier. */
  title: string;
  /** Where `viewer.js` / `viewer.css` live, relative to the page, ending in '/'. */
  assetBase: string;
  /** URL per role; a missing optional role is left out. */
  files: Partial<Record<ViewerRole, string>>;
}

/**
 * Headers for the page and its files: the page runs only its own script (the token in its URL must
 * not leak through a Referer, a third-party script or a cache).
 */
export const VIEWER_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' blob: data:; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'private, no-store',
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page: static markup, the config as inert JSON (`<` escaped so no string can close the script tag). */
export function viewerPageHtml(cfg: ViewerPageConfig): string {
  const json = JSON.stringify(cfg).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  const a = escapeHtml(cfg.assetBase);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>anet viewer · ${escapeHtml(cfg.title)}</title>
<link rel="stylesheet" href="${a}viewer.css">
</head>
<body data-state="loading">
<script type="application/json" id="anet-config">${json}</script>
<div id="app">
  <main id="stage"><canvas id="gl"></canvas><div id="status" role="status">Loading volumes…</div></main>
  <aside id="side"></aside>
</div>
<noscript>The anet viewer needs JavaScript and WebGL2.</noscript>
<script src="${a}viewer.js"></script>
</body>
</html>
`;
}

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const assetCache = new Map<ViewerAssetName, Buffer>();

/** A bundled asset's bytes; a missing bundle is an install problem, said as such. */
export function viewerAsset(name: ViewerAssetName): { bytes: Buffer; contentType: string } {
  let bytes = assetCache.get(name);
  if (!bytes) {
    try {
      bytes = readFileSync(DIST + name);
    } catch (err) {
      throw new AnetError(
        'INTERNAL',
        `viewer bundle ${name} is missing: run 'npm run build -w @anet/viewer' (npm ci runs it)`,
        { cause: err },
      );
    }
    assetCache.set(name, bytes);
  }
  return { bytes, contentType: VIEWER_ASSETS[name] };
}

export function isViewerAsset(name: string): name is ViewerAssetName {
  return Object.prototype.hasOwnProperty.call(VIEWER_ASSETS, name);
}

export type ByteRange = { start: number; end: number };

/**
 * One `Range: bytes=…` header against a file of `size` bytes (RFC 9110 §14.1.2): null when absent or
 * not a single byte range (→ the whole file, as the RFC allows), 'unsatisfiable' when it starts past
 * the end (→ 416). Multiple ranges are answered with the whole file: no viewer asks for them.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
