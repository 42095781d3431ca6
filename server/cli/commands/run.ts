import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDriver } from '@/sandbox/index';
import type { SandboxDriverName } from '@/sandbox/types';
import { dataDir } from '../../config';
import { parseModelName } from '../../llm/create-model';
import { git } from '../../repos/git';
import { MAX_QA_CYCLES } from '../../pipeline/types';
import { scoreSpec } from '../../specs/score';
import { importSpecKit, type ImportedTask } from '../../specs/speckit';
import { readSpecFile } from './spec';

/** The most tasks a run starts at once (server/pipeline/headless-run.ts holds the same limit). */
const MAX_CONCURRENCY = 8;

const USAGE = `usage: nightshift run --repo DIR --spec FILE.md|SPECKIT_DIR --model provider:model [--base-url URL]
                     [--driver auto|bwrap|docker|none] [--max-cycles N] [--concurrency N] [--quiet]
                     [--web-start "npm run dev" --web-url http://127.0.0.1:3000] [--org SLUG] [--no-setup]
       nightshift run --repo DIR --resume RUN_ID|last [--base-url URL] [--driver …] [--quiet]

Runs a spec end to end: score (refused below 70) → plan (planner agent) → waves → each task
through architect → developer ⇄ QA → reviewer in its own worktree and sandbox → commit on a
nightshift/* branch pushed to DIR → pull request with the verification report (recorded in the
database and as JSON under $NIGHTSHIFT_DATA_DIR/pull-requests/, default ./.nightshift).
Your checkout (files, index, HEAD) is not touched. Waves run in order; within a wave,
--concurrency N tasks run at once (default 1, at most ${MAX_CONCURRENCY}), each in its own sandbox.
With --web-start and --web-url, QA gets the web tester: the command starts the app from the
task's worktree inside the sandbox and a browser beside it drives the URL; screenshots go under
$NIGHTSHIFT_DATA_DIR/screenshots/. Each task's dependencies are set up first (see nightshift env
setup); --no-setup skips that. --spec may name a Spec Kit feature folder: its documents are the
spec, and its tasks.md is the plan (done [x] tasks are not run again; the planner agent only fills
gaps: files of tasks that name none, parts no task covers).

The run is recorded in the data directory's database (its embedded PostgreSQL, started for the
command when no server runs; or DATABASE_URL) like a run started in the web app, under the
organisation --org SLUG (default: the instance's first organisation) and a project for DIR. Every
agent turn is checkpointed with a commit of the worktree: after a crash or Ctrl-C,
--resume RUN_ID (or last) continues it — finished tasks and roles are not redone, the interrupted
role continues from its last checkpoint.

Progress goes to stderr. The last line on stdout is the summary:
  {"status":"succeeded|failed","spec":{"score"},"tasks":[{"id","title","wave","status",…}],
   "pullRequests":[{"branch","title","url"?,"report"}],"costUsd"}
Exit 0 when every task succeeded, 1 otherwise, 2 for bad input or a spec below the threshold,
130 when interrupted (the run can be resumed).
`;

/** The `--max-cycles` flag may lower the cap; it may not raise it past the pipeline's own. */
const MAX_CYCLES_LIMIT = MAX_QA_CYCLES;

function fail(message: string): number {
  process.stderr.write(`nightshift run: ${message}\n`);
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
        spec: { type: 'string' },
        model: { type: 'string' },
        resume: { type: 'string' },
        org: { type: 'string' },
        'base-url': { type: 'string' },
        driver: { type: 'string' },
        'max-cycles': { type: 'string' },
        concurrency: { type: 'string' },
        'web-start': { type: 'string' },
        'web-url': { type: 'string' },
        'no-setup': { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
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
  const resume = values.resume?.trim();
  const missing = (resume ? (['repo'] as const) : (['repo', 'spec', 'model'] as const)).filter((k) => !values[k]);
  if (missing.length) return fail(`${missing.map((m) => `--${m}`).join(', ')} required\n\n${USAGE}`);
  if (resume && values.spec) return fail('--resume continues a recorded run with its own spec; leave out --spec');
  if (resume && resume !== 'last' && !/^[0-9a-f-]{36}$/i.test(resume)) return fail(`--resume takes a run id or "last" (got "${resume}")`);
  if (values.model) {
    try {
      parseModelName(values.model);
    } catch (err) {
      return fail((err as Error).message);
    }
  }

  const maxCycles = values['max-cycles'] === undefined ? undefined : Number(values['max-cycles']);
  if (maxCycles !== undefined && (!Number.isInteger(maxCycles) || maxCycles < 1 || maxCycles > MAX_CYCLES_LIMIT)) {
    return fail(`--max-cycles must be an integer from 1 to ${MAX_CYCLES_LIMIT} (got "${values['max-cycles']}")`);
  }
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    return fail(`--concurrency must be an integer from 1 to ${MAX_CONCURRENCY} (got "${values.concurrency}")`);
  }
  if (Boolean(values['web-start']) !== Boolean(values['web-url'])) {
    return fail('--web-start and --web-url go together: the command that starts the app and the URL it serves');
  }
  let webTest: { startCommand: string; url: string } | undefined;
  if (values['web-start'] && values['web-url']) {
    let url: URL;
    try {
      url = new URL(values['web-url']);
    } catch {
      return fail(`--web-url must be a URL such as http://127.0.0.1:3000 (got "${values['web-url']}")`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`--web-url must be http:// or https:// (got "${values['web-url']}")`);
    webTest = { startCommand: values['web-start'], url: url.toString() };
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
  let specMarkdown: string | undefined;
  let importedTasks: ImportedTask[] | undefined;
  if (!resume) {
    // A Spec Kit folder: its documents are the spec and its tasks.md the plan.
    if (existsSync(values.spec!) && statSync(values.spec!).isDirectory()) {
      const imported = await importSpecKit(resolve(values.spec!));
      if (!imported.ok) return fail(`--spec ${values.spec}: ${imported.error}`);
      for (const w of imported.spec.warnings) process.stderr.write(`warning: ${w}\n`);
      if (imported.spec.cycle) return fail(`--spec ${values.spec}: tasks.md has a dependency cycle: ${imported.spec.cycle.join(' → ')}`);
      specMarkdown = imported.spec.markdown;
      importedTasks = imported.spec.tasks.length ? imported.spec.tasks : undefined;
    } else {
      const read = await readSpecFile(values.spec!);
      if (!read.ok) return fail(read.error.replace(/^cannot read /, 'cannot read --spec '));
      specMarkdown = read.text;
    }
  }

  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };
  // A spec below the threshold is refused before anything is written (no data directory, no run).
  if (specMarkdown !== undefined) {
    const scored = scoreSpec(specMarkdown);
    if (!scored.accepted) {
      process.stderr.write(`nightshift run: the spec scores ${scored.score}, below the threshold ${scored.threshold} (or has open [NEEDS CLARIFICATION] markers)\n`);
      for (const f of scored.findings) process.stderr.write(`  ${f.severity} [${f.section}${f.line ? `:${f.line}` : ''}] ${f.message}\n`);
      const reason = `the spec scores ${scored.score}, below the threshold ${scored.threshold} (or has open [NEEDS CLARIFICATION] markers)`;
      process.stdout.write(`${JSON.stringify({ status: 'failed', spec: { score: scored.score, findings: scored.findings }, tasks: [], pullRequests: [], costUsd: 0, reason })}\n`);
      return 2;
    }
  }
  const data = dataDir();
  const rel = relative(repo, data);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    log(`note: the data directory ${data} is inside the repository; add it to .gitignore or set NIGHTSHIFT_DATA_DIR elsewhere`);
  }

  // The heavy parts load only for a run that will happen.
  const [{ openDatabase }, { createPublisher }, { runSpecHeadless }, { CliRunError }, { secretValuesFromEnv }, { cliEnvironment }] = await Promise.all([
    import('../../boot'),
    import('../../realtime/publish'),
    import('../../pipeline/headless-run'),
    import('../../services/cli-runs'),
    import('../../agent/redact'),
    import('../cli-environment'),
  ]);
  const abort = new AbortController();
  const onSignal = () => {
    log('interrupted: stopping (the run can be resumed; press Ctrl-C again to force)');
    abort.abort(new Error('cancelled by signal'));
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rt = await openDatabase({ dataDir: data, own: false, allowTemporary: true });
  try {
    const environment = values['no-setup'] ? undefined : cliEnvironment({ db: rt.db, dataDir: data, repo, driver, log, quiet: values.quiet });
    const result = await runSpecHeadless({
      db: rt.db,
      databaseUrl: rt.url,
      publish: createPublisher(rt.db, rt.pool),
      repo,
      specMarkdown,
      ...(importedTasks ? { importedTasks } : {}),
      resume,
      modelName: values.model,
      baseUrl: values['base-url'],
      orgSlug: values.org ?? process.env.NIGHTSHIFT_CLI_ORG,
      dataDir: data,
      driver,
      maxQaCycles: maxCycles,
      concurrency,
      ...(webTest ? { webTest } : {}),
      ...(environment ? { environment } : {}),
      secrets: secretValuesFromEnv(),
      signal: abort.signal,
      log,
    });
    const { summary } = result;
    const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
    log(`${summary.status}: ${n(summary.tasks.length, 'task')}, ${n(summary.pullRequests.length, 'pull request')}, $${summary.costUsd.toFixed(4)}${summary.reason ? ` (${summary.reason})` : ''}`);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.status === 'succeeded' ? 0 : result.interrupted ? 130 : 1;
  } catch (err) {
    if (err instanceof CliRunError) return fail(err.message);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rt.close();
  }
}
