import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DB } from '../db/client';
import { AppError } from '../errors/app-error';
import { dataDir as configuredDataDir } from '../config';
import { git } from '../repos/git';
import { originHead, readRef } from '../repos/refs';
import { answerFrom, type GroundingAnswer, type GroundingNames } from '../specs/grounding';
import { buildRepoIndex, buildRepoIndexAtCommit } from '../specs/repo-index';
import type { RepoIndex } from '../specs/score';
import { repositorySourceFor } from './repositories';

/**
 * The repository a project's specs are grounded in, when this host can read it without reaching
 * out: a granted local path (its checkout as it is now), or the project's mirror once a plan, a
 * run or a question has fetched it (its default branch). A remote never fetched, or a path this
 * organisation may not use, grounds nothing — the score is then the ungrounded one.
 */
const CACHE_TTL_MS = 15_000;
const CACHE_MAX = 16;
type Cached = { key: string; at: number; index: Promise<RepoIndex | null> };
const cache = new Map<string, Cached>();

export async function projectRepoIndex(db: DB, input: { orgId: string; projectId: string; dataDir?: string }): Promise<RepoIndex | null> {
  const project = await db.selectFrom('projects').select(['repository']).where('org_id', '=', input.orgId).where('id', '=', input.projectId).executeTakeFirst();
  if (!project) return null;
  let localPath: string | null;
  try {
    // The same check every reader of a project's repository goes through (no path recorded here).
    localPath = (await repositorySourceFor(db, { orgId: input.orgId, repository: project.repository, dataDir: input.dataDir })).localPath;
  } catch {
    return null;
  }
  let key: string;
  let build: () => Promise<RepoIndex | null>;
  if (localPath) {
    const head = await git(['rev-parse', '--verify', '-q', 'HEAD'], { cwd: localPath }).then((s) => s.trim(), () => 'none');
    key = `local:${localPath}:${head}`;
    build = () => buildRepoIndex(localPath!);
  } else {
    const mirror = join(input.dataDir ?? configuredDataDir(), 'mirrors', `${input.projectId}.git`);
    if (!existsSync(mirror)) return null;
    const branch = originHead(mirror) ?? 'main';
    const sha = readRef(mirror, `refs/remotes/origin/${branch}`);
    if (!sha) return null;
    key = `mirror:${mirror}:${sha}`;
    build = () => buildRepoIndexAtCommit(mirror, sha);
  }
  const cacheKey = `${input.orgId}:${input.projectId}`;
  const hit = cache.get(cacheKey);
  // A checkout's working tree changes without a commit: its index is rebuilt after a short while.
  if (hit && hit.key === key && (key.startsWith('mirror:') || Date.now() - hit.at < CACHE_TTL_MS)) return hit.index;
  const index = build().catch(() => null);
  cache.delete(cacheKey);
  cache.set(cacheKey, { key, at: Date.now(), index });
  while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return index;
}

/** Which of a spec's names the project's repository has (the editor's half of grounding). */
export async function groundSpecNames(db: DB, input: { orgId: string; projectId: string; names: GroundingNames; dataDir?: string }): Promise<GroundingAnswer> {
  const project = await db.selectFrom('projects').select('id').where('org_id', '=', input.orgId).where('id', '=', input.projectId).executeTakeFirst();
  if (!project) throw new AppError('NOT_FOUND', 'Project not found');
  return answerFrom(await projectRepoIndex(db, input), input.names);
}
