/**
 * A stand-in for github.com's OAuth web flow and the two API calls sign-in makes, for the browser
 * test of "Sign in with GitHub" (no GitHub is reachable from here). It checks what GitHub checks:
 * the client id and secret, the redirect URI and the one-time code; the authorize page asks the
 * person to approve, as GitHub's does.
 *
 *   npx tsx e2e/support/fake-github.ts --port 3297 --client-id ID --client-secret SECRET
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

export const FAKE_GITHUB_USER = { id: 5551212, login: 'octo-grace', name: 'Grace Octocat', avatar_url: 'https://avatars.example/u/5551212' };
export const FAKE_GITHUB_EMAILS = [
  { email: 'grace-unverified@example.com', primary: true, verified: false },
  { email: 'grace@octo.example', primary: false, verified: true },
];

export function startFakeGitHub(opts: { port: number; clientId: string; clientSecret: string }): Promise<http.Server> {
  const codes = new Map<string, string>(); // code → redirect_uri
  const tokens = new Set<string>();
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const json = (res: http.ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${opts.port}`);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const clientId = url.searchParams.get('client_id');
      const redirect = url.searchParams.get('redirect_uri');
      if (clientId !== opts.clientId || !redirect) return res.writeHead(400).end('bad client_id or redirect_uri');
      const code = randomBytes(10).toString('hex');
      codes.set(code, redirect);
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      const state = url.searchParams.get('state');
      if (state) back.searchParams.set('state', state);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><title>Authorize application</title><main><h1>Authorize Nightshift</h1><p>Signed in as ${escape(FAKE_GITHUB_USER.login)}</p><a href="${escape(back.toString())}">Authorize</a></main>`);
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const form = new URLSearchParams(raw);
        let id = form.get('client_id');
        let secret = form.get('client_secret');
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        if (basic) [id, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
        const code = form.get('code') ?? '';
        if (id !== opts.clientId || secret !== opts.clientSecret) return json(res, 401, { error: 'incorrect_client_credentials' });
        const redirect = codes.get(code);
        codes.delete(code);
        if (!redirect || (form.get('redirect_uri') && form.get('redirect_uri') !== redirect)) return json(res, 400, { error: 'bad_verification_code' });
        const token = `gho_${randomBytes(12).toString('hex')}`;
        tokens.add(token);
        json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
      });
      return;
    }
    const auth = /^(?:token|Bearer) (.+)$/i.exec(req.headers.authorization ?? '');
    if (url.pathname.startsWith('/api/') && (!auth || !tokens.has(auth[1]))) return json(res, 401, { message: 'Bad credentials' });
    if (req.method === 'GET' && url.pathname === '/api/user') return json(res, 200, { ...FAKE_GITHUB_USER, email: null });
    if (req.method === 'GET' && url.pathname === '/api/user/emails') return json(res, 200, FAKE_GITHUB_EMAILS);
    json(res, 404, { message: 'Not Found' });
  });
  return new Promise((resolve) => server.listen(opts.port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] && /fake-github\.ts$/.test(process.argv[1])) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' } } });
  const port = Number(values.port ?? 3297);
  void startFakeGitHub({ port, clientId: values['client-id'] ?? 'e2e-client', clientSecret: values['client-secret'] ?? 'e2e-secret' }).then(() => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  });
}
