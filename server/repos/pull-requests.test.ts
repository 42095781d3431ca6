/**
 * GitHub is exercised against a local HTTP receiver speaking the REST API's shapes; octokit is
 * real and points at it through `baseUrl`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeOnGitHub, InMemoryPullRequestStore, openOrUpdatePullRequest, parseGitHubRemote } from './pull-requests';

const TOKEN = 'ghp_test_token_123';

type Pull = { number: number; head: string; base: string; title: string; body: string; draft: boolean; state: 'open' | 'closed'; labels: string[] };
type Seen = { method: string; path: string; auth?: string; body?: Record<string, unknown> };

function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data ? JSON.parse(data) : undefined));
  });
}

/** A tiny stand-in for api.github.com holding pull requests for acme/widgets. */
function githubReceiver() {
  const pulls: Pull[] = [];
  const seen: Seen[] = [];
  let origin = '';
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readBody(req);
    seen.push({ method: req.method ?? '', path: url.pathname, auth: req.headers.authorization, body });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `token ${TOKEN}`) return send(401, { message: 'Bad credentials' });
    const view = (p: Pull) => ({ number: p.number, html_url: `${origin}/acme/widgets/pull/${p.number}`, title: p.title, body: p.body, draft: p.draft, state: p.state, head: { ref: p.head }, base: { ref: p.base } });
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && url.pathname === '/repos/acme/widgets/pulls') {
      const head = url.searchParams.get('head');
      const state = url.searchParams.get('state');
      return send(200, pulls.filter((p) => `acme:${p.head}` === head && p.state === state).map(view));
    }
    if (req.method === 'POST' && url.pathname === '/repos/acme/widgets/pulls') {
      const b = body as { head: string; base: string; title: string; body: string; draft: boolean };
      if (pulls.some((p) => p.head === b.head && p.state === 'open')) return send(422, { message: 'A pull request already exists' });
      const p: Pull = { number: pulls.length + 1, head: b.head, base: b.base, title: b.title, body: b.body, draft: Boolean(b.draft), state: 'open', labels: [] };
      pulls.push(p);
      return send(201, view(p));
    }
    if (req.method === 'PATCH' && (m = /^\/repos\/acme\/widgets\/pulls\/(\d+)$/.exec(url.pathname))) {
      const p = pulls.find((x) => x.number === Number(m![1]));
      if (!p) return send(404, { message: 'Not Found' });
      Object.assign(p, body);
      return send(200, view(p));
    }
    if (req.method === 'POST' && (m = /^\/repos\/acme\/widgets\/issues\/(\d+)\/labels$/.exec(url.pathname))) {
      const p = pulls.find((x) => x.number === Number(m![1]));
      if (!p) return send(404, { message: 'Not Found' });
      for (const l of (body as { labels: string[] }).labels) if (!p.labels.includes(l)) p.labels.push(l);
      return send(200, p.labels.map((name) => ({ name })));
    }
    send(404, { message: `no route ${req.method} ${url.pathname}` });
  });
  return {
    pulls,
    seen,
    start: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => {
      origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      r(origin);
    })),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('pull requests on GitHub', () => {
  const gh = githubReceiver();
  let apiUrl: string;
  let store: InMemoryPullRequestStore;
  beforeAll(async () => {
    apiUrl = await gh.start();
  });
  afterAll(() => gh.stop());
  beforeEach(() => {
    store = new InMemoryPullRequestStore();
  });

  const input = (over: Partial<Parameters<typeof openOrUpdatePullRequest>[0]> = {}) => ({
    store,
    projectId: 'proj_1',
    branch: 'nightshift/add-login-4f1c2d9e',
    base: 'main',
    title: 'Add login form',
    body: '## Verification report\n- tests: 12 passed',
    draft: true,
    labels: ['nightshift', 'needs-review'],
    remoteUrl: 'https://github.com/acme/widgets.git',
    token: TOKEN,
    githubApiUrl: apiUrl,
    ...over,
  });

  it('opens a draft pull request with title, body and labels, then updates it on retry', async () => {
    const first = await openOrUpdatePullRequest(input());
    expect(first.action).toBe('created');
    expect(first.record).toMatchObject({ provider: 'github', number: 1, url: `${apiUrl}/acme/widgets/pull/1`, state: 'open' });
    const create = gh.seen.find((s) => s.method === 'POST' && s.path === '/repos/acme/widgets/pulls');
    expect(create?.auth).toBe(`token ${TOKEN}`);
    expect(create?.body).toEqual({ head: 'nightshift/add-login-4f1c2d9e', base: 'main', title: 'Add login form', body: '## Verification report\n- tests: 12 passed', draft: true });
    expect(gh.pulls[0].labels).toEqual(['nightshift', 'needs-review']);

    const creates = () => gh.seen.filter((s) => s.method === 'POST' && s.path === '/repos/acme/widgets/pulls').length;
    const retry = await openOrUpdatePullRequest(input({ title: 'Add login form (retry)', body: 'report v2', labels: ['nightshift', 'retried'] }));
    expect(retry.action).toBe('updated');
    expect(retry.record.number).toBe(1);
    expect(creates()).toBe(1);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]).toMatchObject({ title: 'Add login form (retry)', body: 'report v2', labels: ['nightshift', 'needs-review', 'retried'] });
    expect(gh.seen.find((s) => s.method === 'PATCH')?.body).toEqual({ title: 'Add login form (retry)', body: 'report v2', base: 'main' });
    expect(await store.findByBranch('proj_1', 'nightshift/add-login-4f1c2d9e')).toMatchObject({ title: 'Add login form (retry)', number: 1 });
  });

  it('opens a new pull request when the earlier one was closed', async () => {
    gh.pulls.forEach((p) => (p.state = 'closed'));
    const r = await openOrUpdatePullRequest(input());
    expect(r.action).toBe('created');
    expect(r.record.number).toBe(2);
  });

  it('reports GitHub errors with the status', async () => {
    await expect(openOrUpdatePullRequest(input({ token: 'wrong' }))).rejects.toThrow(/acme\/widgets .*failed \(401\)/);
  });

  it('closes a pull request on GitHub; a refusal says what GitHub said', async () => {
    const { record } = await openOrUpdatePullRequest(input({ branch: 'nightshift/to-close' }));
    await closeOnGitHub({ remoteUrl: 'https://github.com/acme/widgets.git', number: record.number!, token: TOKEN, githubApiUrl: apiUrl });
    expect(gh.pulls.find((p) => p.number === record.number)?.state).toBe('closed');
    expect(gh.seen.at(-1)).toMatchObject({ method: 'PATCH', path: `/repos/acme/widgets/pulls/${record.number}`, body: { state: 'closed' } });
    await expect(closeOnGitHub({ remoteUrl: 'https://github.com/acme/widgets.git', number: 999, token: TOKEN, githubApiUrl: apiUrl })).rejects.toThrow(/GitHub refused to close acme\/widgets#999 \(404\)/);
    await expect(closeOnGitHub({ remoteUrl: 'https://github.com/acme/widgets.git', number: 1, githubApiUrl: apiUrl })).rejects.toThrow(/no GitHub token/);
  });
});

describe('local pull-request records', () => {
  it('stores branch, base, diff and report when there is no GitHub token, and updates on retry', async () => {
    const store = new InMemoryPullRequestStore();
    const base = { store, projectId: 'p2', branch: 'nightshift/x-1', base: 'main', title: 'T', body: 'report', diff: 'diff --git a/x b/x\n', remoteUrl: 'https://github.com/acme/widgets.git' };
    const first = await openOrUpdatePullRequest(base);
    expect(first.action).toBe('created');
    expect(first.record).toMatchObject({ provider: 'local', diff: 'diff --git a/x b/x\n', body: 'report', base: 'main' });
    const second = await openOrUpdatePullRequest({ ...base, body: 'report v2', diff: 'diff v2' });
    expect(second.action).toBe('updated');
    expect(store.all()).toHaveLength(1);
    expect(store.all()[0]).toMatchObject({ body: 'report v2', diff: 'diff v2', createdAt: first.record.createdAt });
    await expect(openOrUpdatePullRequest({ ...base, diff: undefined })).rejects.toThrow(/needs the branch diff/);
  });

  it('recognises GitHub remotes only', () => {
    expect(parseGitHubRemote('https://github.com/acme/widgets.git')).toEqual({ owner: 'acme', repo: 'widgets' });
    expect(parseGitHubRemote('https://x-access-token:abc@github.com/acme/widgets')).toEqual({ owner: 'acme', repo: 'widgets' });
    expect(parseGitHubRemote('git@github.com:acme/widgets.git')).toEqual({ owner: 'acme', repo: 'widgets' });
    expect(parseGitHubRemote('ssh://git@github.com/acme/widgets.git')).toEqual({ owner: 'acme', repo: 'widgets' });
    expect(parseGitHubRemote('https://gitlab.com/acme/widgets.git')).toBeUndefined();
    expect(parseGitHubRemote('/srv/repos/widgets')).toBeUndefined();
    expect(parseGitHubRemote('https://ghe.corp/acme/w.git', 'ghe.corp')).toEqual({ owner: 'acme', repo: 'w' });
  });
});
