import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../../sandbox/types';
import { dataDir } from '../../config';
import { cliCommand, stderrLog } from '../command';

const USAGE = `usage: nightshift replay --run RUN_ID [--task KEY]... [--driver auto|docker|bwrap|none] [--replay-lenient]
                        [--keep] [--quiet]

Replays a recorded run (a server run or a CLI run, from the data directory's database, or
DATABASE_URL): each task with a recording runs again in a fresh worktree of a scratch copy of
its repository, with every model call answered from the recording in order — no model is
contacted, nothing is pushed to the repository and no pull request is opened — and the tree it
ends on is compared with the recorded one. A request that differs from the recorded one stops
that task's replay ("replay diverged at model call N: …") unless --replay-lenient. --task KEY
replays only those tasks; --keep leaves the scratch copy (its path is printed).

Per task, a line on stderr; the last line on stdout is the summary:
  {"runId","tasks":[{"key","taskId","status":"matched|differs|diverged|not-recorded|error",
   "tree","recordedTree","modelCalls","recordedModelCalls","reason"?}],"matched","replayed",
   "plan":{"recorded","replayed":false,"modelCalls"?,"status"?}}
The planner's recording is reported (how many model calls it holds), not replayed.
Exit 0 when every replayed task ended on its recorded tree, 1 otherwise, 2 for bad input.
`;

const command = cliCommand('replay', USAGE);
const { fail } = command;

type TaskReport = {
  key: string;
  taskId: string;
  status: 'matched' | 'differs' | 'diverged' | 'not-recorded' | 'error';
  tree?: string | null;
  recordedTree?: string | null;
  modelCalls?: number;
  recordedModelCalls?: number;
  reason?: string;
};

export async function run(argv: string[]): Promise<number> {
  const parsed = command.flags(argv, {
    run: { type: 'string' },
    task: { type: 'string', multiple: true },
    driver: { type: 'string' },
    'replay-lenient': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const runId = values.run?.trim();
  if (!runId) return fail(`--run RUN_ID required\n\n${USAGE}`);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(runId)) return fail(`--run takes a run id (a uuid), got "${runId}"`);
  const driverFlag = command.driver(values.driver);
  if ('exit' in driverFlag) return driverFlag.exit;
  const { driver } = driverFlag;
  const log = stderrLog(values.quiet);

  const [{ openDatabase }, recordings, { git }, { openTaskWorkspace }, { removeWorktree }, { operatorRepositorySource }, { startTaskSandbox }, { orgAgentSetup }, { runTaskSession }, { createTaskRecording }, { createMemoryContextCache }, { loadSkillLibrary }, { secretValuesFromEnv }, { orgProviderSettings }, { projectViability }, { createTaskEnvironment }, { slugify }] =
    await Promise.all([
      import('../../boot'),
      import('../../services/recordings'),
      import('../../repos/git'),
      import('../../repos/task-workspace'),
      import('../../repos/worktree'),
      import('../../repos/local-repo-policy'),
      import('../../pipeline/session-resources'),
      import('../../pipeline/agent-setup'),
      import('../../pipeline/task-session'),
      import('../../recording/recorder'),
      import('../../agent/context-cache'),
      import('../../skills/library'),
      import('../../agent/redact'),
      import('../../services/secrets'),
      import('../../viability/session-hooks'),
      import('../../env/session-setup'),
      import('../../repos/branch-name'),
    ]);
  const data = dataDir();
  const rt = await openDatabase({ dataDir: data, own: false, allowTemporary: true });
  let scratch: string | null = null;
  try {
    const { db } = rt;
    const found = await recordings.loadRunForReplay(db, runId);
    if (!found) return fail(`no run ${runId} in this database`);
    const wanted = values.task?.length ? new Set(values.task) : null;
    if (wanted) for (const k of wanted) if (!found.tasks.some((t) => t.key === k)) return fail(`run ${runId} has no task ${k} (its tasks: ${found.tasks.map((t) => t.key).join(', ')})`);
    const tasks = found.tasks.filter((t) => !wanted || wanted.has(t.key));
    if (!tasks.some((t) => t.recorded)) return fail(`run ${runId} has no recordings (recordings are kept for the organisation's retention period, 30 days by default)`);

    // A scratch copy of the repository: the replays push their branches there, never upstream.
    const mirror = join(data, 'mirrors', `${found.projectId}.git`);
    const origin = existsSync(mirror) ? mirror : found.repository;
    mkdirSync(data, { recursive: true });
    const scr = mkdtempSync(join(data, 'replay-'));
    scratch = scr;
    const source = join(scr, 'source.git');
    await git(['clone', '--quiet', '--bare', ...(origin === mirror ? ['--shared'] : []), origin, source]);
    // Branches stacked on earlier tasks started from commits the mirror keeps under refs/remotes.
    if (origin === mirror) await git(['fetch', '--quiet', mirror, '+refs/remotes/origin/*:refs/heads/*', '+refs/heads/*:refs/heads/*'], { cwd: source }).catch(() => undefined);
    log(`replaying run ${runId} (${found.model}) from ${origin} in ${scr}`);

    const localEnvironment = async (repo: string) => {
      const [{ loadLocalEnvSettings }, { localProjectKey }] = await Promise.all([import('../../env/local-settings'), import('../../env/project-key')]);
      const projectKey = localProjectKey(repo);
      const local = loadLocalEnvSettings(data, projectKey);
      return createTaskEnvironment({ dataDir: data, projectKey, driver, settings: local.settings, registries: local.registries, log, onOutput: values.quiet ? undefined : (c) => process.stderr.write(c) });
    };
    const { env, secrets } = await orgProviderSettings(db, found.orgId);
    const allSecrets = [...secrets, ...secretValuesFromEnv()];
    // The planner's recording is kept with the run; it is reported, not replayed (tasks are).
    const planRec = await recordings.loadPlanRecording(db, { orgId: found.orgId, runId });
    const plan = planRec
      ? { recorded: true, replayed: false, modelCalls: planRec.entries.filter((e) => e.kind === 'model').length, status: planRec.ending?.status ?? null }
      : { recorded: false, replayed: false };
    if (planRec) log(`planner: ${plan.modelCalls} recorded model calls (${plan.status ?? 'no ending'}; kept, not replayed)`);
    const reports: TaskReport[] = [];
    for (const t of tasks) {
      if (!t.recorded) {
        reports.push({ key: t.key, taskId: t.id, status: 'not-recorded', reason: `task ${t.key} has no recording (${t.status})` });
        log(`task ${t.key}: not recorded`);
        continue;
      }
      const recorded = await recordings.loadTaskRecording(db, { orgId: found.orgId, taskId: t.id });
      if (!recorded?.ending) {
        reports.push({ key: t.key, taskId: t.id, status: 'not-recorded', reason: `task ${t.key}'s recording has no ending (the task never finished)` });
        log(`task ${t.key}: its recording has no ending`);
        continue;
      }
      const h = recorded.header;
      const base = `replay-base-${t.key.replace(/[^\w.-]/g, '-')}`;
      let sandbox: Sandbox | null = null;
      let ws: Awaited<ReturnType<typeof openTaskWorkspace>> | null = null;
      try {
        await git(['branch', '--force', base, h.baseCommit], { cwd: source });
        const replayTaskId = randomUUID();
        ws = await openTaskWorkspace({ dataDir: scr, repoId: 'replay', source: operatorRepositorySource(source), task: { id: replayTaskId, slug: slugify(t.title), files: undefined }, base });
        // The recorded task had a dependency environment: the replay mounts the same cache (a local checkout's).
        const environment = h.environment && driver !== 'none' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(found.repository) ? await localEnvironment(found.repository) : null;
        sandbox = await startTaskSandbox({ driver, workspace: ws, environment });
        const setup = await orgAgentSetup(db, found.orgId, { taskModel: h.model, env, dataDir: data, baseSkills: loadSkillLibrary() });
        const recording = createTaskRecording({ secrets: allSecrets, replay: { recording: recorded, lenient: values['replay-lenient'], label: `run ${runId} task ${t.key}` } });
        log(`task ${t.key} "${t.title}": ${recorded.entries.filter((e) => e.kind === 'model').length} recorded model calls`);
        const session = await runTaskSession({
          task: { id: replayTaskId, key: t.key, title: t.title, description: t.description, files: t.files, runId: randomUUID() },
          acceptanceCriteria: h.criteria,
          mode: h.mode,
          workspace: ws,
          sandbox,
          models: setup.models,
          delivery: {},
          recorder: recording,
          viability: await projectViability(db, { orgId: found.orgId, projectId: found.projectId, runId, taskId: t.id }),
          cache: createMemoryContextCache(),
          skills: setup.skills,
          promptDirs: setup.promptDirs,
          secrets: allSecrets,
          extraTools: environment ? [environment.tool] : [],
          setup: environment ? (c) => environment.setup(c) : undefined,
          ...(h.budgets ? { budgets: h.budgets } : {}),
          ...(h.maxQaCycles !== undefined ? { maxQaCycles: h.maxQaCycles } : {}),
        });
        ws = null; // the session removed its worktree
        const tree = (await git(['rev-parse', `${session.commitSha}^{tree}`], { cwd: source }).catch(() => git(['rev-parse', `${session.commitSha}^{tree}`], { cwd: join(scr, 'mirrors', 'replay.git') }))).trim();
        const stats = recording.replay!;
        const report: TaskReport = {
          key: t.key,
          taskId: t.id,
          status: stats.divergence ? 'diverged' : tree === recorded.ending.tree ? 'matched' : 'differs',
          tree,
          recordedTree: recorded.ending.tree,
          modelCalls: stats.answered,
          recordedModelCalls: stats.recorded,
          ...(stats.divergence ? { reason: stats.divergence } : tree !== recorded.ending.tree ? { reason: differsReason(stats) } : {}),
        };
        reports.push(report);
        log(`task ${t.key}: ${report.status}${report.reason ? ` — ${report.reason}` : ''}`);
      } catch (err) {
        reports.push({ key: t.key, taskId: t.id, status: 'error', reason: (err as Error).message });
        log(`task ${t.key}: error — ${(err as Error).message}`);
      } finally {
        await sandbox?.stop().catch(() => undefined);
        if (ws) await removeWorktree(ws.mirror, ws.worktree).catch(() => undefined);
      }
    }
    const replayed = reports.filter((r) => r.status !== 'not-recorded');
    const matched = replayed.filter((r) => r.status === 'matched').length;
    process.stdout.write(`${JSON.stringify({ runId, tasks: reports, matched, replayed: replayed.length, plan })}\n`);
    return matched === replayed.length ? 0 : 1;
  } finally {
    await rt.close();
    if (scratch) {
      if (values.keep) log(`scratch copy kept at ${scratch}`);
      else rmSync(scratch, { recursive: true, force: true });
    }
  }
}

function differsReason(stats: { answered: number; recorded: number; commandsDiffered: Array<{ command: string; recordedExit: number; exit: number }> }): string {
  const parts = [`the tree differs from the recorded one`];
  if (stats.answered < stats.recorded) parts.push(`${stats.answered} of ${stats.recorded} recorded model calls were made`);
  const exits = stats.commandsDiffered.filter((c) => c.recordedExit !== c.exit);
  if (exits.length) parts.push(`commands exited otherwise than recorded: ${exits.map((c) => `\`${c.command}\` ${c.recordedExit} → ${c.exit}`).join(', ')}`);
  return parts.join('; ');
}
