/**
 * Pull requests for finished tasks: on GitHub through @octokit/rest when the remote is GitHub
 * and a token is set, otherwise a local record (branch, base, diff, report) the UI shows.
 * Idempotent: a retried task finds the open pull request for its branch and updates it.
 * Storage sits behind `PullRequestStore` (Postgres in the app, memory in tests).
 */
import { Octokit } from '@octokit/rest';
import { guardedFetch } from '../net/outbound';

export const PR_PROVIDERS = { github: 'github', local: 'local' } as const;
export type PullRequestProvider = (typeof PR_PROVIDERS)[keyof typeof PR_PROVIDERS];

export type PullRequestRecord = {
  projectId: string;
  branch: string;
  base: string;
  title: string;
  /** The verification report, in Markdown. */
  body: string;
  draft: boolean;
  labels: string[];
  provider: PullRequestProvider;
  state: 'open' | 'closed' | 'merged';
  /** GitHub's pull-request number and page, when on GitHub. */
  number?: number;
  url?: string;
  /** The branch's diff against its base, kept for local records. */
  diff?: string;
  createdAt: Date;
  updatedAt: Date;
};

export interface PullRequestStore {
  findByBranch(projectId: string, branch: string): Promise<PullRequestRecord | undefined>;
  upsert(record: PullRequestRecord): Promise<PullRequestRecord>;
}

/** For tests and single-process tools; the app implements the store on Postgres. */
export class InMemoryPullRequestStore implements PullRequestStore {
  private readonly rows = new Map<string, PullRequestRecord>();
  private key(projectId: string, branch: string) {
    return `${projectId}\u0000${branch}`;
  }
  async findByBranch(projectId: string, branch: string) {
    const row = this.rows.get(this.key(projectId, branch));
    return row ? { ...row, labels: [...row.labels] } : undefined;
  }
  async upsert(record: PullRequestRecord) {
    this.rows.set(this.key(record.projectId, record.branch), { ...record, labels: [...record.labels] });
    return record;
  }
  all(): PullRequestRecord[] {
    return [...this.rows.values()];
  }
}

/** owner/repo of a GitHub remote (https, ssh or scp-like), or undefined for any other host. */
export function parseGitHubRemote(url: string, host = 'github.com'): { owner: string; repo: string } | undefined {
  const h = host.replace(/\./g, '\\.');
  const patterns = [
    new RegExp(`^https?://(?:[^@/]+@)?${h}/([^/]+)/([^/]+?)(?:\\.git)?/?$`, 'i'),
    new RegExp(`^ssh://git@${h}(?::\\d+)?/([^/]+)/([^/]+?)(?:\\.git)?/?$`, 'i'),
    new RegExp(`^git@${h}:([^/]+)/([^/]+?)(?:\\.git)?/?$`, 'i'),
  ];
  for (const p of patterns) {
    const m = p.exec(url.trim());
    if (m) return { owner: m[1], repo: m[2] };
  }
  return undefined;
}

export type OpenPullRequestInput = {
  store: PullRequestStore;
  projectId: string;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
  labels?: string[];
  /** Required for a local record; ignored on GitHub. */
  diff?: string;
  /** The repository's upstream URL; decides GitHub or local. */
  remoteUrl?: string;
  /** GitHub token from the org's secrets. Without it the pull request stays local. */
  token?: string;
  /** GitHub Enterprise: the web host (default github.com) and the API base URL. */
  githubHost?: string;
  githubApiUrl?: string;
};

export type OpenPullRequestResult = { action: 'created' | 'updated'; record: PullRequestRecord };

/**
 * @example await openOrUpdatePullRequest({ store, projectId, branch: wt.branch, base: 'main',
 *   title, body: report, draft: true, labels: ['nightshift'], remoteUrl: mirror.url, token })
 */
export async function openOrUpdatePullRequest(input: OpenPullRequestInput): Promise<OpenPullRequestResult> {
  if (!input.title.trim()) throw new Error('a pull request needs a title');
  const gh = input.remoteUrl ? parseGitHubRemote(input.remoteUrl, input.githubHost) : undefined;
  const existing = await input.store.findByBranch(input.projectId, input.branch);
  const now = new Date();
  const base: Omit<PullRequestRecord, 'provider'> = {
    projectId: input.projectId,
    branch: input.branch,
    base: input.base,
    title: input.title,
    body: input.body,
    draft: input.draft ?? false,
    labels: [...new Set(input.labels ?? [])],
    state: 'open',
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };

  if (gh && input.token) {
    const { number, url, action } = await upsertOnGitHub(gh, input);
    const record = await input.store.upsert({ ...base, provider: 'github', number, url });
    return { action, record };
  }
  if (input.diff === undefined) throw new Error('a local pull request needs the branch diff');
  const record = await input.store.upsert({ ...base, provider: 'local', diff: input.diff });
  return { action: existing && existing.state === 'open' ? 'updated' : 'created', record };
}

async function upsertOnGitHub(
  repo: { owner: string; repo: string },
  input: OpenPullRequestInput,
): Promise<{ number: number; url: string; action: 'created' | 'updated' }> {
  const octokit = new Octokit({
    auth: input.token,
    userAgent: 'nightshift',
    request: { fetch: (url: string, init: RequestInit) => guardedFetch(url, init) },
    // GITHUB_API_URL (GitHub Enterprise, tests); a trailing slash would double every path's.
    ...(input.githubApiUrl ? { baseUrl: input.githubApiUrl.replace(/\/+$/, '') } : {}),
  });
  const labels = [...new Set(input.labels ?? [])];
  try {
    // GitHub is the source of truth: a record in our store may be stale (PR closed by hand).
    const open = await octokit.rest.pulls.list({ ...repo, head: `${repo.owner}:${input.branch}`, state: 'open', per_page: 1 });
    let number: number;
    let url: string;
    let action: 'created' | 'updated';
    if (open.data.length > 0) {
      const pr = open.data[0];
      // The REST API cannot flip draft state (GraphQL only), so an existing PR keeps its own.
      const updated = await octokit.rest.pulls.update({ ...repo, pull_number: pr.number, title: input.title, body: input.body, base: input.base });
      ({ number, html_url: url } = updated.data);
      action = 'updated';
    } else {
      const created = await octokit.rest.pulls.create({
        ...repo,
        head: input.branch,
        base: input.base,
        title: input.title,
        body: input.body,
        draft: input.draft ?? false,
      });
      ({ number, html_url: url } = created.data);
      action = 'created';
    }
    // addLabels only adds, so labels people put on the PR by hand survive a retry.
    if (labels.length > 0) await octokit.rest.issues.addLabels({ ...repo, issue_number: number, labels });
    return { number, url, action };
  } catch (err) {
    const e = err as { status?: number; message?: string };
    throw new Error(`GitHub pull request for ${repo.owner}/${repo.repo} ${input.branch} failed (${e.status ?? 'network'}): ${e.message ?? String(err)}`, { cause: err });
  }
}

/**
 * Closes a pull request on GitHub (the "Close" button of a GitHub pull request). GitHub's answer,
 * a refusal included, comes back as the error's message.
 */
export async function closeOnGitHub(input: { remoteUrl: string; number: number; token?: string; githubApiUrl?: string; githubHost?: string }): Promise<void> {
  const gh = parseGitHubRemote(input.remoteUrl, input.githubHost);
  if (!gh) throw new Error(`${input.remoteUrl} is not a GitHub repository`);
  if (!input.token) throw new Error('This organisation has no GitHub token (GITHUB_TOKEN or a GitHub App), so Nightshift cannot close the pull request on GitHub; close it there.');
  const octokit = new Octokit({
    auth: input.token,
    userAgent: 'nightshift',
    request: { fetch: (url: string, init: RequestInit) => guardedFetch(url, init) },
    ...(input.githubApiUrl ? { baseUrl: input.githubApiUrl.replace(/\/+$/, '') } : {}),
  });
  try {
    await octokit.rest.pulls.update({ ...gh, pull_number: input.number, state: 'closed' });
  } catch (err) {
    const e = err as { status?: number; message?: string };
    throw new Error(`GitHub refused to close ${gh.owner}/${gh.repo}#${input.number} (${e.status ?? 'network'}): ${e.message ?? String(err)}`, { cause: err });
  }
}
