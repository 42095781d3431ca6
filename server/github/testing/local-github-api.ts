/**
 * A stand-in for api.github.com on 127.0.0.1, for tests: it verifies App JWTs with the App's
 * public key the way GitHub does (RS256 signature, `iss`, `iat`, `exp` within ten minutes) before
 * minting installation tokens, and serves just enough of the pulls API to see which credential a
 * pull request was opened with.
 */
import crypto from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export type SeenRequest = { method: string; path: string; headers: IncomingMessage['headers']; body: string };

export type LocalGitHubApiOptions = {
  appId: number;
  installationId: number;
  publicKey: crypto.KeyObject;
  /** The clock GitHub's checks use (shared with the code under test so no test sleeps). */
  now: () => number;
  /** Lifetime of the tokens it mints. */
  tokenTtlMs?: number;
};

/** GitHub's documented ceiling for a JWT's lifetime. */
const MAX_JWT_LIFETIME_SECONDS = 600;

export type LocalGitHubApi = {
  url: string;
  seen: SeenRequest[];
  /** Tokens minted so far, in order. */
  minted: string[];
  /** Why the last JWT was refused, when it was. */
  lastRejection: string | null;
  /** Answer every mint with this status (e.g. 401) until set back to null. */
  failMintsWith: number | null;
  close(): Promise<void>;
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** Verifies the JWT as GitHub would; returns the reason it is refused, or null when it is good. */
function checkJwt(authorization: string | undefined, opts: LocalGitHubApiOptions): string | null {
  const m = /^Bearer (.+)$/.exec(authorization ?? '');
  if (!m) return 'no Bearer authorization';
  const parts = m[1]!.split('.');
  if (parts.length !== 3) return 'not a JWT';
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
  if (header.alg !== 'RS256') return `alg ${header.alg}`;
  if (!crypto.verify('sha256', Buffer.from(`${h}.${p}`), opts.publicKey, Buffer.from(s, 'base64url'))) return 'bad signature';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { iat?: number; exp?: number; iss?: unknown };
  const now = Math.floor(opts.now() / 1000);
  if (claims.iss !== opts.appId) return `iss ${String(claims.iss)}`;
  if (typeof claims.iat !== 'number' || claims.iat > now) return 'iat in the future';
  if (typeof claims.exp !== 'number' || claims.exp <= now) return 'expired';
  if (claims.exp - claims.iat > MAX_JWT_LIFETIME_SECONDS + 60 || claims.exp - now > MAX_JWT_LIFETIME_SECONDS) return 'exp too far ahead';
  return null;
}

export async function startLocalGitHubApi(opts: LocalGitHubApiOptions): Promise<LocalGitHubApi> {
  const api: LocalGitHubApi = { url: '', seen: [], minted: [], lastRejection: null, failMintsWith: null, close: async () => {} };
  const pulls: { number: number; head: string }[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const body = await readBody(req);
    api.seen.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const mint = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (req.method === 'POST' && mint) {
      if (api.failMintsWith) return send(api.failMintsWith, { message: 'A JSON web token could not be decoded' });
      if (req.headers.accept !== 'application/vnd.github+json' || req.headers['x-github-api-version'] !== '2022-11-28') return send(400, { message: 'missing GitHub headers' });
      api.lastRejection = checkJwt(req.headers.authorization, opts);
      if (api.lastRejection) return send(401, { message: 'A JSON web token could not be decoded' });
      if (Number(mint[1]) !== opts.installationId) return send(404, { message: 'Not Found' });
      const token = `ghs_local${crypto.randomBytes(16).toString('hex')}`;
      api.minted.push(token);
      return send(201, { token, expires_at: new Date(opts.now() + (opts.tokenTtlMs ?? 60 * 60_000)).toISOString(), permissions: { contents: 'write', pull_requests: 'write' } });
    }
    // The pulls API for any repository, accepting only the latest installation token.
    if (req.headers.authorization !== `token ${api.minted.at(-1)}`) return send(401, { message: 'Bad credentials' });
    const list = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(url.pathname);
    if (list && req.method === 'GET') return send(200, []);
    if (list && req.method === 'POST') {
      const b = JSON.parse(body) as { head: string };
      const pr = { number: pulls.length + 1, head: b.head };
      pulls.push(pr);
      return send(201, { number: pr.number, html_url: `${api.url}/${list[1]}/${list[2]}/pull/${pr.number}` });
    }
    if (/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/labels$/.test(url.pathname) && req.method === 'POST') return send(200, []);
    send(404, { message: `no route ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  api.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  api.close = () => new Promise<void>((r) => server.close(() => r()));
  return api;
}
