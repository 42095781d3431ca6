import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataDir } from '../../config';
import { parseModelName } from '../../llm/create-model';
import { git } from '../../repos/git';
import { checkRecordingTarget, ndjsonRecordingSink, readRecordingFile, RecordingFileError } from '../../recording/ndjson';
import type { TaskRecording } from '../../recording/recorder';
import type { LoadedRecording } from '../../recording/types';
import { cliCommand, stderrLog } from '../command';

const USAGE = `usage: nightshift agent --repo DIR --task TEXT --model provider:model [--base-url URL] [--max-turns N]
                       [--criteria TEXT]... [--driver auto|docker|bwrap|none] [--org SLUG] [--no-setup] [--quiet]
                       [--record FILE]
       nightshift agent --repo DIR --replay FILE [--replay-lenient] [--record FILE] [--driver …] [--quiet]

Runs one developer agent on a new branch (nightshift/<task>-<id>) in a fresh worktree of DIR:
your checkout is not touched. Commands run in the sandbox. The result is committed to the branch,
which is pushed to DIR. Before the agent starts, the repository's dependencies are set up (or taken
from the cache) in a fenced sandbox that reaches only the package registries (see nightshift env
setup); --no-setup skips it. The run is recorded in the data directory's database like every run
(see nightshift run --help): it has an id, checkpoints and events, and shows in the web app.

--record FILE also writes the run's recording (every model exchange, tool call, sandbox command
and checkpoint, secrets removed) to FILE as NDJSON. --replay FILE runs the recorded task again
with every model call answered from FILE, in order, contacting no model: the task, criteria and
model come from FILE, and DIR's branch must be at the tree the recording started from. A request
that differs from the recorded one stops the replay ("replay diverged at model call N: …", naming
the first differing message) unless --replay-lenient is given. A replay ends on the recorded tree
when nothing but the models changed; its summary says whether it did.

The last line printed is a JSON summary:
  {"status":"done|failed|stopped","branch","commit","turns","nudges","repairedToolCalls",
   "inputTokens","outputTokens","costUsd","runId",…}
with --record also "recording": FILE; with --replay also
  "replay":{"file","modelCalls","recordedModelCalls","tree","recordedTree","treeMatches",…}
Exit 0 when done, 1 when not (a diverged replay included), 2 for bad input (a recording file that
is truncated, damaged or of another task: nothing is run or written), 130 when interrupted.
`;

const command = cliCommand('agent', USAGE);
const { fail } = command;

/** What a replay did: model calls answered, and whether the branch ended on the recorded tree. */
async function replaySummary(repo: string, file: string, replayed: LoadedRecording, recording: TaskRecording | undefined, commit: string | undefined) {
  const stats = recording?.replay;
  const tree = commit ? (await git(['rev-parse', `${commit}^{tree}`], { cwd: repo }).catch(() => '')).trim() || null : null;
  const recordedTree = replayed.ending?.tree ?? null;
  return {
    file,
    modelCalls: stats?.answered ?? 0,
    recordedModelCalls: stats?.recorded ?? 0,
    tree,
    recordedTree,
    treeMatches: tree !== null && tree === recordedTree,
    ...(stats?.differences.length ? { differences: stats.differences } : {}),
    ...(stats?.commandsDiffered.length ? { commandsDiffered: stats.commandsDiffered } : {}),
  };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = command.flags(argv, {
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
    record: { type: 'string' },
    replay: { type: 'string' },
    'replay-lenient': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  if (values['replay-lenient'] && !values.replay) return fail('--replay-lenient goes with --replay FILE');
  // A recording to replay is read and checked whole before anything else happens.
  let replay: LoadedRecording | undefined;
  if (values.replay) {
    try {
      replay = readRecordingFile(resolve(values.replay));
    } catch (err) {
      if (err instanceof RecordingFileError) return fail(err.message);
      throw err;
    }
    const h = replay.header;
    if (h.mode !== 'agent') return fail(`${values.replay} records a ${h.mode} run (task ${h.taskKey}); replay it with nightshift replay --run ${h.runId}`);
    if (values.task !== undefined && values.task.trim() !== h.description) return fail(`${values.replay} is the recording of another task ("${h.description.split('\n')[0].slice(0, 120)}"), not "${values.task.trim().split('\n')[0].slice(0, 120)}"`);
    if (values.criteria && JSON.stringify(values.criteria.map((c) => c.trim()).filter(Boolean)) !== JSON.stringify(h.criteria)) return fail(`${values.replay} was recorded with other acceptance criteria: ${JSON.stringify(h.criteria)}`);
    if (values.model !== undefined && values.model !== h.model) return fail(`${values.replay} was recorded with ${h.model}; replay it without --model or with that model`);
    values.task = h.description;
    values.criteria = h.criteria;
    values.model = h.model;
    if (values['max-turns'] === undefined && typeof h.budgets?.maxTurns === 'number') values['max-turns'] = String(h.budgets.maxTurns);
    // A run recorded without a dependency environment is replayed without one (its tool list had no install_dependencies).
    if (!h.environment) values['no-setup'] = true;
  }
  if (values.record) {
    const bad = checkRecordingTarget(resolve(values.record));
    if (bad) return fail(`--record ${bad}`);
    if (values.replay && resolve(values.record) === resolve(values.replay)) return fail('--record must name another file than --replay');
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
  const driverFlag = command.driver(values.driver);
  if ('exit' in driverFlag) return driverFlag.exit;
  const { driver } = driverFlag;
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
  const log = stderrLog(values.quiet);

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
  if (replay) {
    // The replay starts where the recording did, or its tree cannot be compared.
    const tree = (await git(['rev-parse', `${base}^{tree}`], { cwd: repo })).trim();
    if (tree !== replay.header.baseTree) {
      return fail(`${values.replay} was recorded on a checkout at commit ${replay.header.baseCommit.slice(0, 12)} (tree ${replay.header.baseTree.slice(0, 12)}); ${repo} is on ${base} at tree ${tree.slice(0, 12)}: check out the commit the recording started from`);
    }
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
    let recording: TaskRecording | undefined;
    const recordFile = values.record ? resolve(values.record) : undefined;
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
      recording: () => ({
        sinks: recordFile ? [ndjsonRecordingSink(recordFile)] : [],
        ...(replay ? { replay: { recording: replay, lenient: values['replay-lenient'], label: values.replay! } } : {}),
        onRecording: (r) => (recording = r),
      }),
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
      const divergence = recording?.replay?.divergence ?? null;
      const status = divergence ? 'failed' : (out.agent?.status ?? (done.status === 'running' || abort.signal.aborted ? 'stopped' : 'failed'));
      const reason = divergence ?? out.agent?.reason ?? (status === 'done' ? undefined : (done.error ?? (status === 'stopped' ? 'cancelled' : undefined)));
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
        ...(recordFile ? { recording: recordFile } : {}),
        ...(replay ? { replay: await replaySummary(repo, values.replay!, replay, recording, out.commitSha) } : {}),
      };
      if (divergence) log(divergence);
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
