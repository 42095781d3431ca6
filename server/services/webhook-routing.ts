import type { DB } from '../db/client';

/** `owner/repo` of a remote git URL (https, ssh, scp-like), lower-cased; null for local paths. */
export function repoFullName(repository: string): string | null {
  const trimmed = repository.trim();
  if (!/^(https?:\/\/|ssh:\/\/|git:\/\/|[\w.-]+@[\w.-]+:)/.test(trimmed)) return null;
  const m = trimmed.match(/[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/);
  return m ? `${m[1]}/${m[2]}`.toLowerCase() : null;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type RoutedProject = { id: string; orgId: string };

export type RouteOutcome = { project: RoutedProject } | { project: null; reason: string };

/**
 * The one project a pull request event belongs to. Several organisations may use the same
 * repository, so the URL alone never decides:
 * 1. the pull request Nightshift opened (its record names the project) — when the delivery's
 *    credential covers that organisation;
 * 2. otherwise the organisations the credential covers (`orgIds`: the org whose secret signed it,
 *    or the orgs of the GitHub App installation; null: the instance's own secret) — when exactly one
 *    of them has a project on the repository (its oldest such project).
 * Anything else is ambiguous and goes nowhere.
 */
export async function routePullRequestEvent(
  db: DB,
  input: { repository: string; pullRequestNumber: number; branch: string; orgIds: string[] | null },
): Promise<RouteOutcome> {
  const wanted = input.repository.toLowerCase();
  if (input.orgIds && input.orgIds.length === 0) return { project: null, reason: 'no organization here uses this installation' };
  const [, repo] = wanted.split('/');
  const candidates = (
    await db
      .selectFrom('projects')
      .select(['id', 'org_id', 'repository', 'created_at'])
      .where('repository', 'ilike', `%${escapeLike(repo ?? wanted)}%`)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
  ).filter((p) => repoFullName(p.repository) === wanted);
  if (!candidates.length) return { project: null, reason: 'no project uses this repository' };

  const recorded = await db
    .selectFrom('pull_requests')
    .select(['project_id', 'org_id'])
    .where('project_id', 'in', candidates.map((p) => p.id))
    .where('number', '=', input.pullRequestNumber)
    .where('branch', '=', input.branch)
    .execute();
  const covered = (orgId: string) => input.orgIds === null || input.orgIds.includes(orgId);
  if (recorded.length) {
    const orgs = new Set(recorded.map((r) => r.org_id));
    if (orgs.size !== 1) return { project: null, reason: 'several organizations recorded this pull request' };
    const r = recorded[0];
    return covered(r.org_id) ? { project: { id: r.project_id, orgId: r.org_id } } : { project: null, reason: 'the pull request belongs to an organization this delivery does not cover' };
  }
  const mine = candidates.filter((p) => covered(p.org_id));
  const orgs = new Set(mine.map((p) => p.org_id));
  if (orgs.size === 1) return { project: { id: mine[0].id, orgId: mine[0].org_id } };
  return { project: null, reason: orgs.size ? 'several organizations use this repository and none opened this pull request' : 'no project of this organization uses this repository' };
}
