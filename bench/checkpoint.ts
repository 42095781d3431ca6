/**
 * Checkpoint benchmark: what saving a task's files at an agent checkpoint costs (a WIP commit on
 * the task branch, pushed to refs/nightshift/tasks/<id> upstream), on a generated repository with a
 * full worktree, against `git status --porcelain` on the same worktree in the same run (the least
 * any "did the files change?" check costs). Three cases: a turn that changed nothing, a turn that
 * edited one file, and a resume at the checkpoint's commit on this host and on another one (a new
 * mirror, the commit fetched from the task ref).
 * Prints a table, then one JSON summary line last.
 *
 *   npm run bench:checkpoint [-- --files 5000] [-- --runs 20]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { generateRepo, generatedFilePath } from '../server/repos/generate-repo';
import { operatorRepositorySource } from '../server/repos/local-repo-policy';
import { openTaskWorkspace, saveTaskWork } from '../server/repos/task-workspace';
import { removeWorktree } from '../server/repos/worktree';

const run = promisify(execFile);
const AGENT = { name: 'Nightshift Agent', email: 'agent@nightshift.local' };

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

const { values } = parseArgs({ options: { files: { type: 'string', default: '5000' }, runs: { type: 'string', default: '20' } } });
const files = Number(values.files);
const runs = Number(values.runs);
const root = mkdtempSync(join(tmpdir(), 'ns-bench-cp-'));
try {
  const src = await generateRepo(join(root, 'src'), files);
  const upstream = join(root, 'upstream.git');
  await run('git', ['clone', '--quiet', '--bare', src.path, upstream]);
  const task = { id: 'bench-checkpoint-0001', slug: 'checkpoint bench' };
  const ws = await openTaskWorkspace({ dataDir: join(root, 'host-a'), repoId: 'bench', source: operatorRepositorySource(upstream), task });
  const save = (label: string) => saveTaskWork(ws, { author: AGENT, runId: 'bench', taskId: task.id, label });
  const status: number[] = [];
  const unchanged: number[] = [];
  const edited: number[] = [];
  const resumed: number[] = [];
  const resumedHere: number[] = [];
  let last = await save('warm-up');
  for (let i = 0; i < runs; i++) {
    status.push((await timed(() => run('git', ['status', '--porcelain'], { cwd: ws.worktree.path })))[0]);
    unchanged.push((await timed(() => save(`unchanged ${i}`)))[0]);
    writeFileSync(join(ws.worktree.path, generatedFilePath(i % files)), `export const edited${i} = ${i};\n`);
    const [ms, sha] = await timed(() => save(`edit ${i}`));
    edited.push(ms);
    last = sha;
  }
  // This host resumes at the last checkpoint (its mirror has the commit; the worktree is re-created).
  await removeWorktree(ws.mirror, ws.worktree);
  for (let i = 0; i < Math.min(runs, 5); i++) {
    const [ms, again] = await timed(() => openTaskWorkspace({ dataDir: join(root, 'host-a'), repoId: 'bench', source: operatorRepositorySource(upstream), task, at: last }));
    resumedHere.push(ms);
    await removeWorktree(again.mirror, again.worktree);
  }
  // Another host resumes at the last checkpoint: a mirror of its own, the commit from the task ref.
  for (let i = 0; i < Math.min(runs, 5); i++) {
    const [ms, other] = await timed(() => openTaskWorkspace({ dataDir: join(root, `host-b-${i}`), repoId: 'bench', source: operatorRepositorySource(upstream), task, at: last }));
    resumed.push(ms);
    await removeWorktree(other.mirror, other.worktree);
  }
  const p = (v: number[]) => ({ p50: Math.round(quantile(v, 0.5) * 10) / 10, p95: Math.round(quantile(v, 0.95) * 10) / 10 });
  const base = quantile(status, 0.5);
  const rows = [
    ['git status --porcelain (baseline)', p(status)],
    ['checkpoint, no change', p(unchanged)],
    ['checkpoint, one file edited (commit + push)', p(edited)],
    ['resume on this host (worktree at the commit)', p(resumedHere)],
    ['resume on another host (new mirror + task ref + checkout)', p(resumed)],
  ] as const;
  console.log(`checkpoint cost on a ${files}-file repository, full worktree, ${runs} runs (ms)`);
  for (const [name, q] of rows) console.log(`${name.padEnd(52)} p50 ${String(q.p50).padStart(7)}  p95 ${String(q.p95).padStart(7)}`);
  console.log(
    JSON.stringify({
      files,
      runs,
      statusMs: p(status),
      unchangedMs: p(unchanged),
      editedMs: p(edited),
      resumeThisHostMs: p(resumedHere),
      resumeOtherHostMs: p(resumed),
      unchangedVsStatus: Math.round((quantile(unchanged, 0.5) / base) * 10) / 10,
      editedVsStatus: Math.round((quantile(edited, 0.5) / base) * 10) / 10,
    }),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
