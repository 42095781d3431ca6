import { languageOf } from './import-scan';
import type { FileReader } from './repo-reader';
import { buildChangedFiles, goModulePath, resolveImports, type ChangedFiles } from './resolve-import';
import { EDGE_KINDS, fileKey, normalizePath, type PlanEdge, type PlanTask } from './types';

/** Reads at most this many files at once, so a 5,000-task plan does not exhaust file descriptors. */
export const READ_CONCURRENCY = 32;

/** Code-graph edges: a task whose files import a file another task changes waits for that task. */
export async function importEdges(tasks: readonly PlanTask[], reader: FileReader, warnings: string[]): Promise<PlanEdge[]> {
  // Which tasks change each (repo, path), and the changed-file index per repo.
  const changedBy = new Map<string, number[]>();
  const pathsByRepo = new Map<string, string[]>();
  tasks.forEach((t, i) => {
    const repo = t.repo ?? '';
    let paths = pathsByRepo.get(repo);
    if (!paths) pathsByRepo.set(repo, (paths = []));
    for (const f of new Set(t.files.map(normalizePath))) {
      paths.push(f);
      const key = fileKey(t.repo, f);
      const list = changedBy.get(key);
      if (list) list.push(i);
      else changedBy.set(key, [i]);
    }
  });
  const changed = new Map<string, ChangedFiles>();
  for (const [repo, paths] of pathsByRepo) changed.set(repo, buildChangedFiles(paths));

  const repoArg = (repo: string) => (repo === '' ? undefined : repo);
  const goModules = new Map<string, string | undefined>();
  for (const [repo, paths] of pathsByRepo) {
    if (!paths.some((p) => p.endsWith('.go'))) continue;
    const goMod = await safeRead(reader, 'go.mod', repoArg(repo), warnings);
    goModules.set(repo, goMod === undefined ? undefined : goModulePath(goMod));
  }

  // Each scannable file once, even when several tasks touch it.
  const files: { repo: string; path: string; key: string }[] = [];
  for (const [repo, paths] of pathsByRepo) {
    for (const path of new Set(paths)) if (languageOf(path)) files.push({ repo, path, key: fileKey(repoArg(repo), path) });
  }
  const sources = await mapLimit(files, READ_CONCURRENCY, (f) => safeRead(reader, f.path, repoArg(f.repo), warnings));

  const edges: PlanEdge[] = [];
  files.forEach((f, n) => {
    const source = sources[n];
    if (source === undefined) return; // a new file: nothing imported yet
    const targets = resolveImports(f.path, source, { changed: changed.get(f.repo)!, goModule: goModules.get(f.repo) });
    if (targets.length === 0) return;
    const importers = changedBy.get(f.key) ?? [];
    for (const target of targets) {
      const changers = changedBy.get(fileKey(repoArg(f.repo), target)) ?? [];
      for (const t of importers) {
        // A task that changes the imported file itself is ordered by the same-file rule instead.
        if (changers.includes(t)) continue;
        for (const u of changers) {
          edges.push({ task: tasks[t].id, dependsOn: tasks[u].id, kind: EDGE_KINDS.import, reason: `${f.path} imports ${target}, which ${tasks[u].id} changes` });
        }
      }
    }
  });
  return edges;
}

async function safeRead(reader: FileReader, path: string, repo: string | undefined, warnings: string[]): Promise<string | undefined> {
  try {
    return await reader(path, repo);
  } catch (err) {
    warnings.push(`could not read ${repo ? `${repo}:` : ''}${path} (${(err as Error).message}); its imports were not analysed`);
    return undefined;
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
