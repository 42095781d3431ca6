import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { dataDir } from '../../config';
import { compareEvals, describeComparison } from '../../evals/compare';
import { EVAL_MODES, ZEvalResult, type EvalMode, type EvalResult } from '../../evals/result';
import { EvalSuiteError, loadSuite, resolveSuiteDir, type EvalSuite } from '../../evals/suite';
import { parseModelName } from '../../llm/create-model';
import { cliCommand, stderrLog } from '../command';

const USAGE = `usage: nightshift eval run --suite DIR|builtin --model provider:model [--base-url URL] [--mode agent|pipeline]
                          [--repeat N] [--concurrency N] [--out FILE] [--max-turns N] [--driver auto|docker|bwrap|none]
                          [--org SLUG] [--no-setup] [--verbose] [--quiet]
       nightshift eval compare BASE.json NEW.json
       nightshift eval check --suite DIR|builtin

run      Runs every task of the suite (each attempt a run like any other: its own worktree, sandbox,
         run id and events, in the data directory's database), then copies the task's hidden/ files
         over the result and runs its "verify" command in a sandbox; a task passed when verify exits 0
         (a verify that outlives the task's timeoutSec, default 300, is killed and fails with 124).
         --mode agent (default) runs the developer alone as nightshift agent does; pipeline runs
         architect → developer ⇄ QA → reviewer. Progress goes to stderr; the last stdout line (and
         --out FILE) is
           {"suite","model","mode","passRate","passed","runs","costUsd","inputTokens","outputTokens",
            "durationMs","tasks":[{"id","attempt","status":"passed|failed|error","verifyExitCode",
            "turns","costUsd","runId",…}],"evalRunId"}
         The eval run is stored in the organisation (--org SLUG, default the instance's first) and
         compared with the previous run of the same suite there: regressions are printed, shown on
         the Evals page and sent to the organisation's chat channels.
         Exit 0; 1 when an attempt ended in "error" (the harness could not judge it); 2 on bad input.
compare  Regressions (passed in BASE, not in NEW), improvements and the pass-rate delta of two result
         files; the last line is JSON. Exit 1 when anything regressed.
check    Reads and checks a suite without running it.
`;

const command = cliCommand('eval', USAGE);
const { fail } = command;

export async function run(argv: string[]): Promise<number> {
  return command.subcommands(argv, { run: evalRun, compare: evalCompare, check: evalCheck });
}

function positiveInt(name: string, value: string | undefined, max: number): number | string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) return `--${name} must be a positive whole number (got "${value}")`;
  if (n > max) return `--${name} must be at most ${max} (got ${n})`;
  return n;
}

function readSuite(suiteArg: string): EvalSuite | string {
  try {
    return loadSuite(resolveSuiteDir(suiteArg));
  } catch (err) {
    if (err instanceof EvalSuiteError) return err.message;
    throw err;
  }
}

async function evalCheck(argv: string[]): Promise<number> {
  const parsed = command.flags(argv, { suite: { type: 'string' } });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  if (!values.suite) return fail(`--suite required\n\n${USAGE}`);
  const suite = readSuite(values.suite);
  if (typeof suite === 'string') return fail(suite);
  process.stdout.write(`${JSON.stringify({ suite: suite.name, description: suite.description, tasks: suite.tasks.map((t) => ({ id: t.id, title: t.title, tags: t.tags ?? [], hiddenFiles: t.hiddenFiles.length, timeoutSec: t.timeoutSec })) })}\n`);
  return 0;
}

async function evalRun(argv: string[]): Promise<number> {
  const parsed = command.flags(argv, {
    suite: { type: 'string' },
    model: { type: 'string' },
    'base-url': { type: 'string' },
    mode: { type: 'string' },
    repeat: { type: 'string' },
    concurrency: { type: 'string' },
    out: { type: 'string' },
    'max-turns': { type: 'string' },
    driver: { type: 'string' },
    org: { type: 'string' },
    'no-setup': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const missing = (['suite', 'model'] as const).filter((k) => !values[k]);
  if (missing.length) return fail(`${missing.map((m) => `--${m}`).join(', ')} required\n\n${USAGE}`);
  try {
    parseModelName(values.model!);
  } catch (err) {
    return fail((err as Error).message);
  }
  const mode = (values.mode ?? 'agent') as EvalMode;
  if (!EVAL_MODES.includes(mode)) return fail(`--mode must be agent or pipeline (got "${values.mode}")`);
  const { MAX_EVAL_CONCURRENCY, MAX_EVAL_REPEAT } = await import('../../evals/runner');
  const repeat = positiveInt('repeat', values.repeat, MAX_EVAL_REPEAT);
  const concurrency = positiveInt('concurrency', values.concurrency, MAX_EVAL_CONCURRENCY);
  const maxTurns = positiveInt('max-turns', values['max-turns'], 10_000);
  for (const v of [repeat, concurrency, maxTurns]) if (typeof v === 'string') return fail(v);
  const driverFlag = command.driver(values.driver);
  if ('exit' in driverFlag) return driverFlag.exit;
  const { driver } = driverFlag;
  // --out is written at the end, whole; a folder that is not there is said now, not after an hour.
  const out = values.out ? resolve(values.out) : null;
  if (out) {
    if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) return fail(`--out ${out}: the folder ${dirname(out)} does not exist`);
    if (existsSync(out) && statSync(out).isDirectory()) return fail(`--out ${out} is a folder; name a file`);
  }
  const suite = readSuite(values.suite!);
  if (typeof suite === 'string') return fail(suite);
  const log = stderrLog(values.quiet);

  const [{ withDatabase }, { createPublisher }, cli, { runEval }, { sessionLogLines }, notices, { dispatchNotice }] = await Promise.all([
    import('../with-db'),
    import('../../realtime/publish'),
    import('../../services/cli-runs'),
    import('../../evals/runner'),
    import('../../pipeline/session-events'),
    import('../../evals/notice'),
    import('../../notify/dispatch'),
  ]);
  const data = dataDir();
  return withDatabase(async (rt, signal) => {
    try {
      const { db } = rt;
      const org = await cli.cliOrganization(db, values.org ?? process.env.NIGHTSHIFT_CLI_ORG);
      const outcome = await runEval({
        db,
        databaseUrl: rt.url,
        dataDir: data,
        orgId: org.id,
        suite,
        suiteSource: values.suite === 'builtin' ? 'builtin' : 'folder',
        model: values.model!,
        baseUrl: values['base-url'],
        mode,
        repeat: repeat as number | undefined,
        concurrency: concurrency as number | undefined,
        driver,
        publish: createPublisher(db, rt.pool),
        setupDependencies: !values['no-setup'],
        budgets: maxTurns ? { maxTurns: maxTurns as number } : undefined,
        runner: 'cli',
        log,
        onSessionEvent: values.verbose && !values.quiet ? (id, e) => sessionLogLines((l) => log(`  [${id}] ${l}`), { turns: true })(e) : undefined,
        signal,
      });
      if (outcome.cancelled) {
        log(`eval ${outcome.evalRunId} cancelled after ${outcome.completed.length} attempts; nothing written to --out`);
        return 130;
      }
      const { result, regression } = outcome;
      if (regression.previous) {
        log(`compared with eval ${regression.previous.id} (${regression.previous.model}, ${regression.previous.mode}): ${regression.regressions.length ? `REGRESSED: ${regression.regressions.map((r) => r.id).join(', ')}` : 'no regression'}`);
        const notice = notices.regressionNotice(result, regression, notices.evalsPageUrl(org.slug, result.evalRunId));
        if (notice) {
          const sent = await dispatchNotice(db, org.id, notice);
          for (const s of sent) if (!s.ok) log(`notice to ${s.name} not sent: ${s.error}`);
        }
      }
      log(`pass rate ${result.passed}/${result.runs} = ${result.passRate}; $${result.costUsd.toFixed(4)}; ${Math.round(result.durationMs / 100) / 10} s`);
      const line = JSON.stringify(result);
      if (out) writeAtomically(out, `${line}\n`);
      process.stdout.write(`${line}\n`);
      return result.tasks.some((t) => t.status === 'error') ? 1 : 0;
    } catch (err) {
      if (err instanceof cli.CliRunError) return fail(err.message);
      throw err;
    }
  }, { interruptible: true });
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readResult(file: string): EvalResult | string {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return `${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  // The file --out writes, or a saved stdout whose last line is the result.
  const lines = text.trim().split('\n');
  let raw: unknown;
  try {
    raw = JSON.parse(text.trim() || 'null');
  } catch {
    try {
      raw = JSON.parse(lines.at(-1) ?? '');
    } catch (err) {
      return `${path}: is not an eval result (not JSON: ${(err as Error).message})`;
    }
  }
  const parsed = ZEvalResult.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return `${path}: is not an eval result (${i.path.length ? `"${i.path.join('.')}" ` : ''}${i.message})`;
  }
  return parsed.data;
}

async function evalCompare(argv: string[]): Promise<number> {
  const files = argv.filter((a) => !a.startsWith('--'));
  if (files.length !== 2 || files.length !== argv.length) return fail(`compare takes two result files: BASE.json NEW.json\n\n${USAGE}`);
  const base = readResult(files[0]);
  if (typeof base === 'string') return fail(base);
  const next = readResult(files[1]);
  if (typeof next === 'string') return fail(next);
  const c = compareEvals(base, next);
  process.stdout.write(`${describeComparison(c).join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({ regressions: c.regressions.map((r) => r.id), improvements: c.improvements.map((r) => r.id), missing: c.missing, added: c.added, passRateDelta: c.passRateDelta, base: c.base, new: c.next })}\n`,
  );
  return c.regressions.length ? 1 : 0;
}
