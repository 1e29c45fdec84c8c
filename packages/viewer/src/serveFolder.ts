import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AnetError } from '@anet/contracts';
import {
  OPTIONAL_ROLES,
  VIEWER_FILES,
  VIEWER_SECURITY_HEADERS,
  isViewerAsset,
  parseByteRange,
  viewerAsset,
  viewerPageHtml,
  type ViewerRole,
} from './index';

/**
 * `anet view DIR`: the viewer for a result folder on this machine. Browsers block fetch() from file://
 * pages, so a page beside the files cannot load them; instead a small HTTP server on 127.0.0.1 serves
 * the page and exactly the viewer's files. The URL carries a random path segment and the Host header is
 * checked, so neither another local user guessing the port nor a DNS-rebinding web page can read them.
 */
export interface ServeFolderOptions {
  dir: string;
  /** The baseline scan (the analysis folder has none of its own unless `analyze` copied it there). */
  baseline?: string;
  port?: number;
}

export interface ServedFolder {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** The file per role in `dir` (the baseline: `opts.baseline`, else baseline.nii.gz / baseline.nii in dir). */
export function resolveFolderFiles(dir: string, baseline?: string): Partial<Record<ViewerRole, string>> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new AnetError('VALIDATION_FAILED', `${dir} is not a folder`);
  const files: Partial<Record<ViewerRole, string>> = {};
  for (const [role, name] of Object.entries(VIEWER_FILES) as Array<[ViewerRole, string]>) {
    const candidates =
      role === 'baseline' ? (baseline ? [baseline] : [path.join(dir, name), path.join(dir, 'baseline.nii')]) : [path.join(dir, name)];
    const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
    if (found) files[role] = path.resolve(found);
    else if (!OPTIONAL_ROLES.includes(role)) {
      throw new AnetError(
        'VALIDATION_FAILED',
        role === 'baseline'
          ? `no baseline scan in ${dir}: pass it with --baseline FILE (results made by 'anet analyze --out' include it)`
          : `${dir} has no ${name}: is it an anet result folder?`,
      );
    }
  }
  return files;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { ...VIEWER_SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code, message } }));
}

export async function serveFolder(opts: ServeFolderOptions): Promise<ServedFolder> {
  const files = resolveFolderFiles(opts.dir, opts.baseline);
  const secret = randomBytes(16).toString('hex');
  const base = `/${secret}/`;
  const byName = new Map<string, string>();
  for (const [role, p] of Object.entries(files) as Array<[ViewerRole, string]>) byName.set(VIEWER_FILES[role], p);
  const page = viewerPageHtml({
    title: path.basename(path.resolve(opts.dir)),
    assetBase: 'assets/',
    files: Object.fromEntries(
      (Object.keys(files) as ViewerRole[]).map((role) => [role, `files/${encodeURIComponent(VIEWER_FILES[role])}`]),
    ),
  });
  let port = 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return sendError(res, 403, 'VIEWER_LINK_INVALID', 'open the viewer through the address anet printed');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, 'ROUTE_NOT_FOUND', 'only GET');
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (!url.pathname.startsWith(base)) return sendError(res, 404, 'ROUTE_NOT_FOUND', 'no such page');
    const rest = url.pathname.slice(base.length);
    if (rest === '') {
      res.writeHead(200, { ...VIEWER_SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(req.method === 'HEAD' ? undefined : page);
    }
    if (rest.startsWith('assets/')) {
      const name = rest.slice('assets/'.length);
      if (!isViewerAsset(name)) return sendError(res, 404, 'ROUTE_NOT_FOUND', 'no such asset');
      const a = viewerAsset(name);
      res.writeHead(200, { ...VIEWER_SECURITY_HEADERS, 'Content-Type': a.contentType, 'Content-Length': a.bytes.length });
      return res.end(req.method === 'HEAD' ? undefined : a.bytes);
    }
    const file = rest.startsWith('files/') ? byName.get(decodeURIComponent(rest.slice('files/'.length))) : undefined;
    if (!file) return sendError(res, 404, 'ARTIFACT_NOT_FOUND', 'the viewer has no such file');
    const size = statSync(file).size;
    const range = parseByteRange(req.headers.range, size);
    const headers: Record<string, string | number> = {
      ...VIEWER_SECURITY_HEADERS,
      'Accept-Ranges': 'bytes',
      'Content-Type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    };
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${size}`);
      return sendError(res, 416, 'RANGE_NOT_SATISFIABLE', `the range starts past the end (${size} bytes)`);
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD' || size === 0) return res.end();
    createReadStream(file, { start, end }).on('error', () => res.destroy()).pipe(res);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      sendError(res, 500, 'INTERNAL', err instanceof Error ? err.message : 'internal error');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
