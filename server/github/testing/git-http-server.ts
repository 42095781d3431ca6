/**
 * A smart-HTTP git server on 127.0.0.1 for tests, over git's own CGI (`git http-backend`), that
 * demands HTTP authentication like GitHub does: a request is served only when `authorize` accepts
 * its Authorization header. Lets a test see which credential a real `git fetch`/`push` carried.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export type GitHttpServer = { url: string; authorizations: (string | undefined)[]; close(): Promise<void> };

export async function startGitHttpServer(opts: { projectRoot: string; authorize: (authorization: string | undefined) => boolean }): Promise<GitHttpServer> {
  const authorizations: (string | undefined)[] = [];
  const server: Server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (!opts.authorize(req.headers.authorization)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      return res.end('authentication required');
    }
    serveCgi(req, opts.projectRoot)
      .then(({ status, headers, body }) => {
        res.writeHead(status, headers);
        res.end(body);
      })
      .catch((err: Error) => {
        res.writeHead(500);
        res.end(err.message);
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    authorizations,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function serveCgi(req: IncomingMessage, projectRoot: string): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const url = new URL(req.url ?? '/', 'http://local');
  // Only the CGI variables (plus PATH): the backend must not see this process's environment.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    // Authenticated above, so pushes are allowed the way GitHub allows them for a good token.
    REMOTE_USER: 'x-access-token',
    PATH_INFO: decodeURIComponent(url.pathname),
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
    GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
  };
  const child = spawn('git', ['http-backend'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'ignore'] });
  req.pipe(child.stdin);
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      const all = Buffer.concat(out);
      let split = all.indexOf('\r\n\r\n');
      let sep = 4;
      if (split < 0) {
        split = all.indexOf('\n\n');
        sep = 2;
      }
      if (split < 0) return reject(new Error('git http-backend wrote no headers'));
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of all.subarray(0, split).toString('utf8').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else headers[name] = value;
      }
      resolve({ status, headers, body: all.subarray(split + sep) });
    });
  });
}
