import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createSandbox, parseDriver } from '../../../sandbox/index';
import { createExplorerSpawner } from '../../agent/explorers';
import { createMemoryContextCache } from '../../agent/context-cache';
import { createRedactor, secretValuesFromEnv } from '../../agent/redact';
import { runAgent } from '../../agent/run-agent';
import type { AgentEvent } from '../../agent/types';
import { createModel, createUsageAccumulator } from '../../llm';
import { AGENT_IDENTITY, commitChanges } from '../../repos/commit';
import { taskBranchName } from '../../repos/branch-name';
import { git } from '../../repos/git';
import { loadSkillLibrary } from '../../skills/library';
import { toolsForRole } from '../../tools/registry';
import { dataDir } from '../../config';
import { loadLocalEnvSettings } from '../../env/local-settings';
import { localProjectKey } from '../../env/project-key';
import { createTaskEnvironment, EnvironmentSetupError } from '../../env/session-setup';

const USAGE = `usage: nightshift agent --repo DIR --task TEXT --model provider:model [--base-url URL] [--max-turns N]
                       [--criteria TEXT]... [--driver auto|docker|bwrap|none] [--no-setup] [--quiet]

Runs one developer agent on a new branch (nightshift/<task>-<id>) in a fresh worktree of DIR:
your checkout is not touched. Commands run in the sandbox. The result is committed to the branch.
Before the agent starts, the repository's dependencies are set up (or taken from the cache) in a
fenced sandbox that reaches only the package registries (see nightshift env setup); --no-setup skips it.
The last line printed is a JSON summary.
`;

/** Commands in the CLI run get more room than the sandbox default (test suites install nothing but may be slow). */
const CLI_SANDBOX_MEMORY_MB = 1024;
const CLI_SANDBOX_TIMEOUT_S = 300;

function describe(e: AgentEvent): string | undefined {
  switch (e.type) {
    case 'turn-start':
      return `turn ${e.turn} (${e.phase})`;
    case 'tool-call':
      return `  → ${e.call.toolName} ${JSON.stringify(e.call.args).slice(0, 160)}${e.call.invalid ? ' [invalid JSON]' : ''}`;
    case 'tool-result':
      return `  ← ${e.toolName}: ${e.isError ? 'error: ' : ''}${e.output.split('\n')[0].slice(0, 160)}`;
    case 'nudge':
      return `  ! nudge [${e.detector}]: ${e.message.split('\n')[0].slice(0, 200)}`;
    case 'repair':
      return `  ~ repaired tool call ${e.toolName} (${e.callId}): malformed JSON arguments fixed`;
    case 'phase':
      return `  phase ${e.from} → ${e.to}`;
    case 'compaction':
      return `  compacted prompt to ~${e.estimatedTokens} tokens (budget ${e.budget})`;
    default:
      return undefined;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
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
      quiet: { type: 'boolean', default: false },
      'no-setup': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const missing = (['repo', 'task', 'model'] as const).filter((k) => !values[k]);
  if (missing.length) {
    process.stderr.write(`nightshift agent: ${missing.map((m) => `--${m}`).join(', ')} required\n\n${USAGE}`);
    return 2;
  }
  const maxTurns = values['max-turns'] === undefined ? undefined : Number(values['max-turns']);
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns <= 0)) {
    process.stderr.write(`nightshift agent: --max-turns must be a positive integer (got "${values['max-turns']}")\n`);
    return 2;
  }
  const repo = resolve(values.repo!);
  if (!existsSync(repo)) {
    process.stderr.write(`nightshift agent: --repo ${repo} does not exist\n`);
    return 2;
  }
  try {
    await git(['rev-parse', '--git-dir'], { cwd: repo });
  } catch {
    process.stderr.write(`nightshift agent: ${repo} is not a git repository\n`);
    return 2;
  }
  const model = createModel(values.model!, { baseUrl: values['base-url'] });
  const runId = randomUUID();
  const task = values.task!;
  const branch = taskBranchName(task, runId);
  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };

  // A fresh worktree from the repository on a new branch: the user's checkout stays as it is.
  const holder = mkdtempSync(join(tmpdir(), 'nightshift-agent-'));
  const worktree = join(holder, 'worktree');
  await git(['worktree', 'add', '--quiet', '-b', branch, worktree, 'HEAD'], { cwd: repo });
  log(`worktree ${worktree} on branch ${branch}`);

  const secrets = secretValuesFromEnv();
  const redact = createRedactor(secrets);
  // The project's dependencies: set up (or taken from the cache) before the agent starts, in a
  // fenced sandbox whose only network is the registries; the agent's own sandbox has none.
  const data = dataDir();
  const projectKey = localProjectKey(repo);
  const local = loadLocalEnvSettings(data, projectKey);
  const driver = parseDriver(values.driver ?? process.env.SANDBOX_DRIVER);
  const environment = values['no-setup'] || driver === 'none'
    ? null
    : createTaskEnvironment({ dataDir: data, projectKey, driver, settings: local.settings, registries: local.registries, log: (l) => log(l), onOutput: values.quiet ? undefined : (c) => process.stderr.write(c) });
  // The sandbox gets no host environment: no API key or token can reach a command.
  const sandboxOpts = { workspaceDir: worktree, memoryMb: CLI_SANDBOX_MEMORY_MB, timeoutS: CLI_SANDBOX_TIMEOUT_S, network: false as const, env: {} };
  const sandbox = environment ? await environment.createSandbox(sandboxOpts) : await createSandbox({ ...sandboxOpts, driver });
  if (!sandbox.isolated) log('WARNING: sandbox driver "none" runs commands on the host without isolation');
  await sandbox.start();

  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const usage = createUsageAccumulator();
  const cache = createMemoryContextCache();
  const skills = loadSkillLibrary();
  let summary: Record<string, unknown>;
  try {
    if (environment) {
      try {
        await environment.setup({ workspaceDir: worktree, signal: abort.signal });
      } catch (err) {
        if (!(err instanceof EnvironmentSetupError)) throw err;
        log(err.message);
        summary = { status: 'failed', branch, commit: null, turns: 0, reason: err.message, environment: environment.reportLines() };
        return finishWith(summary);
      }
    }
    const spawnExplorers = createExplorerSpawner({ model, modelName: values.model, workspace: worktree, cache, taskKey: runId, usage, secrets });
    const result = await runAgent({
      role: 'developer',
      objective: task,
      acceptanceCriteria: values.criteria ?? [],
      model,
      modelName: values.model,
      tools: [...toolsForRole('developer', { sandbox, skills, spawnExplorers, redact }), ...(environment ? [environment.tool] : [])],
      skills,
      workspace: worktree,
      sandbox,
      cache,
      taskKey: runId,
      usage,
      secrets,
      budgets: maxTurns ? { maxTurns } : undefined,
      signal: abort.signal,
      onEvent: (e) => {
        const line = describe(e);
        if (line) log(line);
      },
    });
    let commit: string | null = null;
    const message = `nightshift: ${task}\n\n${result.status === 'done' ? (result.finish?.summary ?? '') : `Run ${result.status}: ${result.reason ?? ''}`}`.trim();
    const c = await commitChanges({ worktreePath: worktree, author: AGENT_IDENTITY, message, runId });
    if (c.committed) commit = c.sha;
    log(`${result.status}: ${result.finish?.summary ?? result.reason ?? ''}`);
    log(`nudges ${result.nudges} ${JSON.stringify(result.detectorCounts)}; repaired tool calls ${result.repairedToolCalls}`);
    summary = {
      status: result.status,
      branch,
      commit,
      turns: result.turns,
      nudges: result.nudges,
      repairedToolCalls: result.repairedToolCalls,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: result.costUsd,
      ...(result.reason ? { reason: result.reason } : {}),
      ...(environment?.results.some((r) => r.status !== 'none') ? { environment: environment.reportLines() } : {}),
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sandbox.stop().catch(() => undefined);
    // The branch (and its commit) stays in the repository; only the temporary tree goes.
    await git(['worktree', 'remove', '--force', worktree], { cwd: repo }).catch(() => undefined);
    rmSync(holder, { recursive: true, force: true });
  }
  return finishWith(summary);
}

function finishWith(summary: Record<string, unknown>): number {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.status === 'done' ? 0 : summary.status === 'stopped' ? 130 : 1;
}
