import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDriver } from '../../../sandbox/index';
import type { SandboxDriverName } from '../../../sandbox/types';
import { secretValuesFromEnv } from '../../agent/redact';
import { dataDir } from '../../config';
import { createModel } from '../../llm';
import { git } from '../../repos/git';
import { MAX_HEADLESS_CONCURRENCY, runSpecHeadless, type HeadlessRunSummary } from '../../pipeline/headless-run';
import { MAX_QA_CYCLES } from '../../pipeline/types';

const USAGE = `usage: nightshift run --repo DIR --spec FILE.md --model provider:model [--base-url URL]
                     [--driver auto|bwrap|docker|none] [--max-cycles N] [--concurrency N] [--quiet]
                     [--web-start "npm run dev" --web-url http://127.0.0.1:3000]

Runs a spec end to end without a database: score (refused below 70) → plan (planner agent) →
waves → each task through architect → developer ⇄ QA → reviewer in its own worktree and
sandbox → commit on a nightshift/* branch pushed to DIR → local pull-request record with the
verification report (JSON under $NIGHTSHIFT_DATA_DIR/pull-requests/, default ./.nightshift).
Your checkout (files, index, HEAD) is not touched. Waves run in order; within a wave,
--concurrency N tasks run at once (default 1, at most ${MAX_HEADLESS_CONCURRENCY}), each in its own sandbox.
With --web-start and --web-url, QA gets the web tester: the command starts the app from the
task's worktree inside the sandbox and a browser beside it drives the URL; screenshots go under
$NIGHTSHIFT_DATA_DIR/screenshots/.

Progress goes to stderr. The last line on stdout is the summary:
  {"status":"succeeded|failed","spec":{"score"},"tasks":[{"id","title","wave","status",…}],
   "pullRequests":[{"branch","title","url"?,"report"}],"costUsd"}
Exit 0 when every task succeeded, 1 otherwise, 2 for bad input or a spec below the threshold.
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
        'base-url': { type: 'string' },
        driver: { type: 'string' },
        'max-cycles': { type: 'string' },
        concurrency: { type: 'string' },
        'web-start': { type: 'string' },
        'web-url': { type: 'string' },
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
  const missing = (['repo', 'spec', 'model'] as const).filter((k) => !values[k]);
  if (missing.length) return fail(`${missing.map((m) => `--${m}`).join(', ')} required\n\n${USAGE}`);

  const maxCycles = values['max-cycles'] === undefined ? undefined : Number(values['max-cycles']);
  if (maxCycles !== undefined && (!Number.isInteger(maxCycles) || maxCycles < 1 || maxCycles > MAX_CYCLES_LIMIT)) {
    return fail(`--max-cycles must be an integer from 1 to ${MAX_CYCLES_LIMIT} (got "${values['max-cycles']}")`);
  }
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_HEADLESS_CONCURRENCY) {
    return fail(`--concurrency must be an integer from 1 to ${MAX_HEADLESS_CONCURRENCY} (got "${values.concurrency}")`);
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
  let specMarkdown: string;
  try {
    specMarkdown = readFileSync(resolve(values.spec!), 'utf8');
  } catch (err) {
    return fail(`cannot read --spec ${values.spec}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let model;
  try {
    model = createModel(values.model!, { baseUrl: values['base-url'] });
  } catch (err) {
    return fail((err as Error).message);
  }

  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };
  const data = dataDir();
  const rel = relative(repo, data);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    log(`note: the data directory ${data} is inside the repository; add it to .gitignore or set NIGHTSHIFT_DATA_DIR elsewhere`);
  }

  const abort = new AbortController();
  const onSignal = () => {
    log('interrupted: stopping after the current step (press Ctrl-C again to force)');
    abort.abort(new Error('cancelled by signal'));
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let summary: HeadlessRunSummary;
  let refused: boolean;
  try {
    ({ summary, refused } = await runSpecHeadless({
      repo,
      specMarkdown,
      model,
      modelName: values.model!,
      dataDir: data,
      driver,
      maxQaCycles: maxCycles,
      concurrency,
      ...(webTest ? { webTest } : {}),
      secrets: secretValuesFromEnv(),
      signal: abort.signal,
      log,
    }));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (refused) {
    process.stderr.write(`nightshift run: ${summary.reason}\n`);
    for (const f of summary.spec.findings ?? []) process.stderr.write(`  ${f.severity} [${f.section}${f.line ? `:${f.line}` : ''}] ${f.message}\n`);
  } else {
    log(`${summary.status}: ${summary.tasks.length} tasks, ${summary.pullRequests.length} pull requests, $${summary.costUsd.toFixed(4)}${summary.reason ? ` (${summary.reason})` : ''}`);
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (refused) return 2;
  return summary.status === 'succeeded' ? 0 : abort.signal.aborted ? 130 : 1;
}
