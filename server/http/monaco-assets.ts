import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { createRequire } from 'node:module';

/**
 * Serves monaco-editor's prebuilt AMD bundle (`min/vs`) from the installed package at /monaco/vs/.
 * The editor's default loader fetches it from a CDN, which self-hosted and offline installs
 * cannot reach; bundling it through Next instead would drag its CSS and workers into the build.
 */
export const MONACO_PREFIX = '/monaco/vs/';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

let root: string | null = null;
function monacoRoot(): string {
  if (!root) {
    // The package's "exports" hide package.json: resolve its entry, then walk up to its folder.
    const require = createRequire(import.meta.url);
    let dir = path.dirname(require.resolve('monaco-editor'));
    while (!fs.existsSync(path.join(dir, 'min', 'vs', 'loader.js')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    root = path.join(dir, 'min', 'vs');
  }
  return root;
}

export function serveMonaco(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): boolean {
  if (!pathname.startsWith(MONACO_PREFIX)) return false;
  const base = monacoRoot();
  const rel = decodeURIComponent(pathname.slice(MONACO_PREFIX.length));
  const file = path.resolve(base, rel);
  if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return true;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': 'public, max-age=86400',
  });
  fs.createReadStream(file).pipe(res);
  return true;
}
