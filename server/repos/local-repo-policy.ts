/**
 * Which local paths an organisation may use as a repository. A local path is the operator's grant,
 * not a member's choice: `NIGHTSHIFT_LOCAL_REPOS` lists allowed roots, each optionally bound to
 * one organisation (`/srv/repos, acme=/srv/acme`); unset, only the instance's first organisation
 * (the self-hoster's own) may use local paths at all.
 *
 * Paths are resolved (symlinks, `..`) before any check, and every refusal — not allowed, not
 * found, not a repository — is the same message, so the answer says nothing about the host.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The one answer to every refused local path. */
export const LOCAL_REPOSITORY_REFUSED =
  'This repository is not available to this organization. A local path must be a git repository in a folder the server operator has granted to it (NIGHTSHIFT_LOCAL_REPOS); otherwise use a git URL (https://… or git@host:org/repo.git).';

export type LocalRepoGrant = { root: string; orgSlug: string | null };

export type LocalRepoPolicy =
  /** NIGHTSHIFT_LOCAL_REPOS unset: any local path, for the instance's first organisation only. */
  | { kind: 'first-organization' }
  /** Only paths under these roots (`none`: no roots at all). */
  | { kind: 'roots'; grants: LocalRepoGrant[] };

const SLUG_GRANT = /^([a-z0-9][a-z0-9-]*)=(.+)$/;

/**
 * Reads NIGHTSHIFT_LOCAL_REPOS: entries separated by commas or newlines, each an absolute path
 * (any organisation) or `slug=/absolute/path` (that organisation only); `none` grants nothing.
 * Malformed entries grant nothing and are listed in `problems` for the start-up log.
 */
export function localRepoPolicy(env: Record<string, string | undefined> = process.env): { policy: LocalRepoPolicy; problems: string[] } {
  const raw = env.NIGHTSHIFT_LOCAL_REPOS?.trim();
  if (!raw) return { policy: { kind: 'first-organization' }, problems: [] };
  if (raw.toLowerCase() === 'none') return { policy: { kind: 'roots', grants: [] }, problems: [] };
  const grants: LocalRepoGrant[] = [];
  const problems: string[] = [];
  for (const entry of raw.split(/[,\n]/).map((e) => e.trim()).filter(Boolean)) {
    const bound = entry.match(SLUG_GRANT);
    const root = bound ? bound[2].trim() : entry;
    if (!path.isAbsolute(root)) {
      problems.push(`NIGHTSHIFT_LOCAL_REPOS entry "${entry}" is not an absolute path (or slug=/absolute/path); it grants nothing`);
      continue;
    }
    grants.push({ root: path.resolve(root), orgSlug: bound ? bound[1] : null });
  }
  return { policy: { kind: 'roots', grants }, problems };
}

/**
 * The local path a repository source names, or null for a remote (https, ssh, git, scp-like).
 * `file://` URLs and `~/` are local paths; anything git would not read as a remote is treated as a
 * local path, so it meets the same checks.
 */
export function localSourcePath(source: string): string | null {
  const s = source.trim();
  if (/^file:/i.test(s)) {
    try {
      const u = new URL(s);
      if (u.hostname && u.hostname !== 'localhost') return s; // not a path on this host; fails the checks below
      return decodeURIComponent(u.pathname);
    } catch {
      return s;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return null;
  if (/^[\w.-]+@[\w.-]+:/.test(s)) return null;
  if (s === '~' || s.startsWith('~/')) return path.join(os.homedir(), s.slice(1));
  return s;
}

/** `child` is `parent` or somewhere below it (both resolved). */
export function isWithin(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

function realpath(p: string): string | null {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return null;
  }
}

/**
 * A git repository at exactly this path (a checkout with `.git`, or a bare repository). Git's own
 * discovery would also climb to a parent's repository; a subfolder of someone's checkout is not a
 * repository of its own here.
 */
function isGitRepository(dir: string): boolean {
  const has = (name: string, kind: 'file' | 'dir' | 'any') => {
    const st = fs.statSync(path.join(dir, name), { throwIfNoEntry: false });
    if (!st) return false;
    return kind === 'any' || (kind === 'dir' ? st.isDirectory() : st.isFile());
  };
  return has('.git', 'any') || (has('HEAD', 'file') && has('objects', 'dir') && has('refs', 'dir'));
}

export type LocalRepoDecision = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Whether an organisation may use this local path, by the policy alone (the one-organisation-per-
 * path rule needs the database: server/services/repositories.ts). `reason` is for the operator's
 * log only; callers answer users with LOCAL_REPOSITORY_REFUSED.
 */
export function decideLocalRepository(
  localPath: string,
  ctx: { orgSlug: string; isFirstOrganization: boolean; policy: LocalRepoPolicy; dataDir: string },
): LocalRepoDecision {
  if (!path.isAbsolute(localPath)) return { ok: false, reason: 'not an absolute path' };
  const real = realpath(localPath);
  if (!real) return { ok: false, reason: 'does not exist' };
  if (!fs.statSync(real).isDirectory() || !isGitRepository(real)) return { ok: false, reason: `${real} is not a git repository` };
  // The server's own state (other organisations' mirrors and worktrees) is never a source. A
  // checkout that holds the data directory (`./.nightshift` in it) is fine: git reads commits only.
  const data = realpath(ctx.dataDir) ?? path.resolve(ctx.dataDir);
  if (isWithin(real, data)) return { ok: false, reason: `${real} is inside the data directory ${data}` };
  if (ctx.policy.kind === 'first-organization') {
    return ctx.isFirstOrganization ? { ok: true, path: real } : { ok: false, reason: 'NIGHTSHIFT_LOCAL_REPOS is unset: only the first organization may use local paths' };
  }
  for (const grant of ctx.policy.grants) {
    if (grant.orgSlug && grant.orgSlug !== ctx.orgSlug) continue;
    const root = realpath(grant.root);
    if (root && isWithin(real, root)) return { ok: true, path: real };
  }
  return { ok: false, reason: `${real} is under no root NIGHTSHIFT_LOCAL_REPOS grants to "${ctx.orgSlug}"` };
}

declare const checked: unique symbol;

/**
 * A repository source that passed the policy: a remote URL, or a local path resolved and granted.
 * Only server/services/repositories.ts (an organisation's project) and `operatorRepositorySource`
 * (the operator's own CLI) make one, so no code path opens a workspace on an unchecked path.
 */
export type RepositorySource = {
  /** What git is given: the URL, or the local path with symlinks and `..` resolved. */
  readonly url: string;
  /** The resolved local path, or null for a remote. */
  readonly localPath: string | null;
  /** An organisation's project hears LOCAL_REPOSITORY_REFUSED for any git failure on a local path. */
  readonly grant: 'operator' | 'organization';
  readonly [checked]: true;
};

/** A source named by the operator on the command line (`nightshift run --repo .`): theirs to read. */
export function operatorRepositorySource(source: string): RepositorySource {
  return { url: source, localPath: localSourcePath(source), grant: 'operator' } as RepositorySource;
}

/** For server/services/repositories.ts, after the checks. */
export function grantedRepositorySource(url: string, localPath: string | null): RepositorySource {
  return { url, localPath, grant: 'organization' } as RepositorySource;
}
