import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDriver } from '@/sandbox/index';
import type { SandboxDriverName } from '@/sandbox/types';
import { dataDir } from '../../config';
import { parseModelName } from '../../llm/create-model';
import { git } from '../../repos/git';

const USAGE = `usage: nightshift agent --repo DIR --task TEXT --model provider:model [--base-url URL] [--max-turns N]
                       [--criteria TEXT]... [--driver auto|docker|bwrap|none] [--org SLUG] [--no-setup] [--quiet]

Runs one developer agent on a new branch (nightshift/<task>-<id>) in a fresh worktree of DIR:
your checkout is not touched. Commands run in the sandbox. The result is committed to the branch,
which is pushed to DIR. Before the agent starts, the repository's dependencies are set up (or taken
from the cache) in a fenced sandbox that reaches only the package registries (see nightshift env
setup); --no-setup skips it. The run is recorded in the data directory's database like every run
(see nightshift run --help): it has an id, checkpoints and events, and shows in the web app.
The last line printed is a JSON summary:
  {"status":"done|failed|stopped","branch","commit","turns","nudges","repairedToolCalls",
   "inputTokens","outputTokens","costUsd","runId",…}
`;

function fail(message: string): number {
  process.stderr.write(`nightshift agent: ${message}\n`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        repo: { type: 'string' },
        task: { type: 'string' },
        model: { type: 'string' },
        'base-url': { type: 'string' },
        'max-turns': { type: 'string' },
        criteria: { type: 'string', multiple: true },
        driver: { type: 'string' },
        org: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        'no-setup': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const missing = (['repo', 'task', 'model'] as const).filter((k) => !values[k]);
  if (missing.length) return fail(`${missing.map((m) => `--${m}`).join(', ')} required\n\n${USAGE}`);
  const maxTurns = values['max-turns'] === undefined ? undefined : Number(values['max-turns']);
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns <= 0)) return fail(`--max-turns must be a positive integer (got "${values['max-turns']}")`);
  try {
    parseModelName(values.model!);
  } catch (err) {
    return fail((err as Error).message);
  }
  let driver: SandboxDriverName;
  try {
    driver = parseDriver(values.driver ?? process.env.SANDBOX_DRIVER);
  } catch (err) {
    return fail((err as Error).message);
  }
  const repo = resolve(values.repo!);
  if (!existsSync(repo)) return fail(`--repo ${repo} does not exist`);
  try {
    await git(['rev-parse', '--git-dir'], { cwd: repo });
  } catch {
    return fail(`${repo} is not a git repository`);
  }
  const task = values.task!.trim();
  if (!task) return fail('--task must say what to do');
  const criteria = (values.criteria ?? []).map((c) => c.trim()).filter(Boolean);
  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };

  const [{ openDatabase }, { createPublisher }, cli, { currentBranch }, { createPipelineExecutor }, { startLocalRunner }, { sessionLogLines }, { operatorRepositorySource }, { taskBranchName }, { cliEnvironment }, { scoreSpec }] =
    await Promise.all([
      import('../../boot'),
      import('../../realtime/publish'),
      import('../../services/cli-runs'),
      import('../../pipeline/headless-run'),
      import('../../pipeline/task-executor'),
      import('@/jobs/scheduler/local-runner'),
      import('../../pipeline/session-events'),
      import('../../repos/local-repo-policy'),
      import('../../repos/branch-name'),
      import('../cli-environment'),
      import('../../specs/score'),
    ]);
  const data = dataDir();
  let base: string;
  try {
    base = await currentBranch(repo);
  } catch (err) {
    return fail((err as Error).message);
  }

  const abort = new AbortController();
  const rt = await openDatabase({ dataDir: data, own: false, allowTemporary: true });
  let stopAll = () => undefined as void;
  const onSignal = () => {
    abort.abort();
    stopAll();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { db } = rt;
    const org = await cli.cliOrganization(db, values.org ?? process.env.NIGHTSHIFT_CLI_ORG);
    const project = await cli.cliProject(db, { orgId: org.id, repoPath: repo, defaultBranch: base });
    // The task is the run's spec: its text, with the criteria as its acceptance criteria.
    const markdown = `# ${task.split('\n')[0]}\n\n${task}\n${criteria.length ? `\n## Acceptance criteria\n${criteria.map((c, i) => `${i + 1}. ${c}`).join('\n')}\n` : ''}`;
    const scored = scoreSpec(markdown);
    const environment = values['no-setup'] ? undefined : cliEnvironment({ db, dataDir: data, repo, driver, log, quiet: values.quiet });
    const sessionLine = sessionLogLines(log, { turns: true });
    const executor = createPipelineExecutor({
      db,
      dataDir: data,
      sandboxDriver: driver,
      mode: 'agent',
      modelBaseUrl: values['base-url'],
      budgets: maxTurns ? { maxTurns } : undefined,
      repositorySource: async () => operatorRepositorySource(repo),
      environment,
      onSessionEvent: (_t, e) => sessionLine(e),
    });
    const runner = await startLocalRunner({ db, connectionString: rt.url, executor, publish: createPublisher(db, rt.pool) });
    stopAll = () => runner.stopAll();
    let summary: Record<string, unknown>;
    try {
      const ids = await cli.createCliRun(db, { orgId: org.id, projectId: project.id, title: task.split('\n')[0].slice(0, 200), markdown, score: scored.score, findings: scored.findings, model: values.model!, baseBranch: base, owner: runner.workerId });
      await cli.addCliPlan(db, { orgId: org.id, runId: ids.runId, waves: [['T1']], tasks: [{ id: 'T1', title: task.split('\n')[0].slice(0, 200), description: task, files: [], dependsOn: [], wave: 0 }] });
      const [row] = await cli.cliRunTasks(db, ids.runId);
      const branch = taskBranchName(row.title, row.id);
      log(`run ${ids.runId}: branch ${branch} from ${base}`);
      if (!abort.signal.aborted) await runner.runTask(row.id);
      const [done] = await cli.cliRunTasks(db, ids.runId);
      const out = (done.output ?? {}) as { agent?: { status: string; turns: number; nudges: number; repairedToolCalls: number; summary?: string; reason?: string }; committed?: boolean; commitSha?: string; environment?: string[]; setupFailed?: boolean };
      const usage = await cli.cliTaskUsage(db, done.id);
      const status = out.agent?.status ?? (done.status === 'running' || abort.signal.aborted ? 'stopped' : 'failed');
      const reason = out.agent?.reason ?? (status === 'done' ? undefined : (done.error ?? (status === 'stopped' ? 'cancelled' : undefined)));
      if (out.agent) {
        log(`${status}: ${out.agent.summary ?? out.agent.reason ?? ''}`);
        log(`nudges ${out.agent.nudges}; repaired tool calls ${out.agent.repairedToolCalls}`);
      } else if (reason) log(`${status}: ${reason}`);
      summary = {
        status,
        branch,
        commit: out.committed && out.commitSha ? out.commitSha : null,
        turns: out.agent?.turns ?? 0,
        nudges: out.agent?.nudges ?? 0,
        repairedToolCalls: out.agent?.repairedToolCalls ?? 0,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd: usage.costUsd,
        runId: ids.runId,
        ...(reason ? { reason } : {}),
        ...(out.environment ? { environment: out.environment } : {}),
      };
      if (status !== 'stopped') await cli.finishCliRun(db, { runId: ids.runId, status: status === 'done' ? 'succeeded' : 'failed', ...(reason ? { error: reason } : {}) });
    } finally {
      await runner.close();
    }
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.status === 'done' ? 0 : summary.status === 'stopped' ? 130 : 1;
  } catch (err) {
    if (err instanceof cli.CliRunError) return fail(err.message);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rt.close();
  }
}
