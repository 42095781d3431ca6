/**
 * Local stand-ins for package registries, so setup tests do not depend on the internet:
 * an npm registry (packuments + tarballs, the shape registry.npmjs.org serves) and a PEP 503
 * "simple" Python index serving wheels built here. Packages are made by the test from a few
 * lines of code; every request is counted so a test can tell "no install happened".
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type LocalPackage = { name: string; version: string; files: Record<string, string>; dependencies?: Record<string, string> };

type Built = { pkg: LocalPackage; tarball: Buffer; integrity: string; shasum: string; file: string };

export type StandIn = { url: string; port: number; requests: string[]; close(): Promise<void> };

export type NpmStandIn = StandIn & {
  /** The Authorization header of every request (private registries answer 401 without a token). */
  authorizations: Array<string | undefined>;
  /** A package-lock.json (v3) for a root package depending on these, resolved at registry.npmjs.org as real lockfiles are. */
  lockfile(root: { name: string; version: string; dependencies: Record<string, string> }): string;
};

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function closer(server: http.Server) {
  return () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
}

function buildTarball(pkg: LocalPackage): Built {
  const dir = mkdtempSync(join(tmpdir(), 'ns-npm-pkg-'));
  try {
    const root = join(dir, 'package');
    const manifest = { name: pkg.name, version: pkg.version, main: 'index.js', license: 'MIT', dependencies: pkg.dependencies ?? {} };
    for (const [rel, text] of Object.entries({ 'package.json': JSON.stringify(manifest, null, 2), ...pkg.files })) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    const file = `${pkg.name}-${pkg.version}.tgz`;
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-czf', join(dir, file), '-C', dir, 'package']);
    const tarball = readFileSync(join(dir, file));
    return {
      pkg,
      tarball,
      file,
      integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      shasum: createHash('sha1').update(tarball).digest('hex'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An npm registry on 127.0.0.1 serving `packages`. With `requireToken`, a private registry: every
 * request without `Authorization: Bearer <token>` gets 401 (as npm's own registry answers).
 */
export async function startNpmStandIn(packages: LocalPackage[], opts: { requireToken?: string } = {}): Promise<NpmStandIn> {
  const built = packages.map(buildTarball);
  const requests: string[] = [];
  const authorizations: Array<string | undefined> = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    authorizations.push(req.headers.authorization);
    if (opts.requireToken && req.headers.authorization !== `Bearer ${opts.requireToken}`) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'authentication required' }));
      return;
    }
    const tar = built.find((b) => path === `/${b.pkg.name}/-/${b.file}`);
    if (tar) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tar.tarball.length }).end(tar.tarball);
      return;
    }
    const name = path.slice(1);
    const versions = built.filter((b) => b.pkg.name === name);
    if (versions.length === 0) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Not found' }));
      return;
    }
    const doc = {
      name,
      'dist-tags': { latest: versions.at(-1)!.pkg.version },
      versions: Object.fromEntries(
        versions.map((b) => [
          b.pkg.version,
          { name, version: b.pkg.version, dependencies: b.pkg.dependencies ?? {}, dist: { tarball: `${base}/${name}/-/${b.file}`, integrity: b.integrity, shasum: b.shasum } },
        ]),
      ),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  const port = await listen(server);
  base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/`,
    port,
    requests,
    authorizations,
    close: closer(server),
    lockfile(root) {
      const pkgs: Record<string, unknown> = { '': { name: root.name, version: root.version, dependencies: root.dependencies } };
      for (const b of built) {
        if (!(b.pkg.name in root.dependencies)) continue;
        pkgs[`node_modules/${b.pkg.name}`] = {
          version: b.pkg.version,
          resolved: `https://registry.npmjs.org/${b.pkg.name}/-/${b.file}`,
          integrity: b.integrity,
          license: 'MIT',
        };
      }
      return JSON.stringify({ name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: pkgs }, null, 2) + '\n';
    },
  };
}

export type PyModule = { name: string; version: string; files: Record<string, string> };

/** A pure-Python wheel (py3-none-any) zipped here from a few files. */
export function buildWheel(mod: PyModule): { file: string; data: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'ns-wheel-'));
  try {
    const dist = `${mod.name}-${mod.version}.dist-info`;
    const files: Record<string, string> = {
      ...mod.files,
      [`${dist}/METADATA`]: `Metadata-Version: 2.1\nName: ${mod.name}\nVersion: ${mod.version}\n`,
      [`${dist}/WHEEL`]: 'Wheel-Version: 1.0\nGenerator: nightshift-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    };
    const record = Object.entries(files).map(([p, t]) => `${p},sha256=${createHash('sha256').update(t).digest('base64url')},${Buffer.byteLength(t)}`);
    files[`${dist}/RECORD`] = `${record.join('\n')}\n${dist}/RECORD,,\n`;
    const file = `${mod.name}-${mod.version}-py3-none-any.whl`;
    const spec = JSON.stringify(files);
    execFileSync('python3', ['-c', 'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED)\nfor p,t in json.loads(sys.stdin.read()).items(): z.writestr(p,t)\nz.close()', join(dir, file)], { input: spec });
    return { file, data: readFileSync(join(dir, file)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A PEP 503 simple index on 127.0.0.1 serving wheels of `modules` at `<url>` (…/simple/). */
export async function startPypiStandIn(modules: PyModule[]): Promise<StandIn> {
  const wheels = modules.map((m) => ({ mod: m, ...buildWheel(m) }));
  const normal = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><html><body>\n${body}\n</body></html>`);
    if (path === '/simple/') return html(wheels.map((w) => `<a href="/simple/${normal(w.mod.name)}/">${w.mod.name}</a>`).join('\n'));
    const m = /^\/simple\/([^/]+)\/$/.exec(path);
    if (m) {
      const list = wheels.filter((w) => normal(w.mod.name) === m[1]);
      if (list.length === 0) return res.writeHead(404).end('not found');
      return html(list.map((w) => `<a href="/files/${w.file}#sha256=${createHash('sha256').update(w.data).digest('hex')}">${w.file}</a>`).join('\n'));
    }
    const f = wheels.find((w) => path === `/files/${w.file}`);
    if (f) return res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': f.data.length }).end(f.data);
    res.writeHead(404).end('not found');
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/simple/`, port, requests, close: closer(server) };
}

/** A plain HTTP server that is not a registry: what a setup script must not reach. */
export async function startPlainServer(body = 'not a registry'): Promise<StandIn> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '/');
    res.end(body);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/`, port, requests, close: closer(server) };
}

/**
 * A server of bulk downloads: `GET /bytes/N` answers N bytes (with a Content-Length), written in
 * 64 KiB chunks as the client takes them, like a large tarball or wheel; `PUT /sink` takes an
 * upload and answers once it has all of it. `sent` counts the bytes
 * actually written, so a test can tell a download was cut short.
 */
export async function startBulkServer(): Promise<StandIn & { sent(): number }> {
  const requests: string[] = [];
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '/');
    if (req.url === '/sink') {
      // An upload: answered only when the whole body arrived.
      let received = 0;
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => res.end(`received ${received}\n`));
      return;
    }
    const m = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end('no such file\n');
      return;
    }
    let left = Number(m[1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        sent += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (left === 0) res.end();
    };
    res.on('close', () => res.removeListener('drain', pump));
    pump();
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/`, port, requests, sent: () => sent, close: closer(server) };
}

/** A stand-in `ms` written here: parses "<n>s" and "<n>m" like the real one's simplest cases. */
export const MS_SOURCE = `module.exports = function ms(s) {
  const m = /^(\\d+)(s|m)$/.exec(String(s));
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 60000);
};
`;
export const MS_TEST = `const assert = require('node:assert');
const ms = require('ms');
assert.strictEqual(ms('2s'), 2000);
assert.strictEqual(ms('1m'), 60000);
console.log('ms tests passed');
`;

