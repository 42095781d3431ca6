import { parseArgs } from 'node:util';
import { parseDriver } from '../../../sandbox/index';
import type { SandboxDriverName } from '../../../sandbox/types';
import { dataDir } from '../../config';
import { modelNameProblem } from '../../pipeline/role-models';
import type { StoredObservation } from '../../services/rsi';

const USAGE = `usage: nightshift rsi report [--since 7d] [--json] [--org SLUG]
       nightshift rsi run --once --model provider:model [--base-url URL] [--eval-model provider:model]
                          [--suite DIR|builtin] [--mode agent|pipeline] [--since 7d] [--auto-adopt | --no-auto-adopt]
                          [--max-proposals N] [--repeat N] [--concurrency N] [--driver auto|docker|bwrap|none]
                          [--org SLUG] [--no-setup] [--json] [--quiet]

report   Mines the organisation's runs of the window (default 7d: 30m, 12h, 7d, 2w) into observations —
         failures clustered by cause: the detector that fired, the error a task failed with, tool
         errors, QA/reviewer findings, eval tasks that keep failing, cost outliers, drift, work sent
         back as remediation — each seen in at least two runs. Stores them (the Improvements page
         shows them) and prints one line each; the last line is
           {"observations":[{"pattern","count","runs":[runId…],"example","kind","key"}]}
run      One full cycle: the report, then the reporter agent (--model) turns the observations into
         proposals (prompt or skill patches, documentation specs, eval challenges); each prompt/skill
         proposal is calibrated — the eval suite (--suite, default the organisation's choice, built-in
         unless set) without and with it, the observed failing runs re-run with it — and is adopted
         only if the pass rate does not drop and at least one observed failure now passes (adopted at
         once with --auto-adopt or the organisation's setting, else left for an admin's approval on the
         Improvements page). The last line is
           {"reportId","observations":[…],"proposals":[{"id","kind","target","status","reason","calibration"}],"adopted":[…]}
         Without --once it runs a cycle every interval of the organisation's settings until stopped.
         Exit 0; 1 when a proposal's calibration errored; 2 on bad input.
`;

function fail(message: string): number {
  process.stderr.write(`nightshift rsi: ${message}\n`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE);
    return sub ? 0 : 2;
  }
  if (sub === 'report') return rsiReport(rest);
  if (sub === 'run') return rsiRun(rest);
  return fail(`unknown subcommand "${sub}"\n\n${USAGE}`);
}

/** An observation as the CLI prints it: the four fields the issue names first. */
export function observationJson(o: StoredObservation) {
  return { pattern: o.pattern, count: o.count, runs: o.runs, example: o.example.text, kind: o.kind, key: o.key, exampleRun: o.example.runId, failedRuns: o.failedRuns };
}

function positiveInt(name: string, value: string | undefined, max: number): number | string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) return `--${name} must be a whole number (got "${value}")`;
  if (n > max) return `--${name} must be at most ${max} (got ${n})`;
  return n;
}

async function sinceOf(value: string | undefined): Promise<Date | string> {
  const { parseSince } = await import('../../rsi/report');
  const ms = parseSince(value ?? '7d');
  if (ms === null) return `--since must be a duration such as 30m, 12h, 7d or 2w (got "${value}")`;
  return new Date(Date.now() - ms);
}

async function rsiReport(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { since: { type: 'string' }, json: { type: 'boolean', default: false }, org: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const since = await sinceOf(values.since);
  if (typeof since === 'string') return fail(since);
  const [{ withDatabase }, cli, { runReport }, rsi] = await Promise.all([import('../with-db'), import('../../services/cli-runs'), import('../../rsi/report'), import('../../services/rsi')]);
  return withDatabase(async ({ db }) => {
    let org;
    try {
      org = await cli.cliOrganization(db, values.org ?? process.env.NIGHTSHIFT_CLI_ORG);
    } catch (err) {
      if (err instanceof cli.CliRunError) return fail(err.message);
      throw err;
    }
    const report = await runReport(db, { orgId: org.id, trigger: 'cli', since });
    await rsi.finishReport(db, { orgId: org.id, reportId: report.reportId, proposals: 0, model: null, summary: `${report.observations.length} observations from ${report.runsMined} runs (nightshift rsi report)` });
    if (!values.json) {
      process.stdout.write(`${report.runsMined} runs since ${report.since.toISOString()}: ${report.observations.length} observation${report.observations.length === 1 ? '' : 's'} (report ${report.reportId})\n`);
      report.observations.forEach((o, i) => {
        process.stdout.write(`${i + 1}. [${o.kind}] ${o.pattern}\n   runs: ${o.runs.join(', ')}\n   e.g. ${o.example.text.split('\n')[0].slice(0, 200)}\n`);
      });
    }
    process.stdout.write(`${JSON.stringify({ observations: report.observations.map(observationJson) })}\n`);
    return 0;
  });
}

async function rsiRun(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        once: { type: 'boolean', default: false },
        model: { type: 'string' },
        'eval-model': { type: 'string' },
        'base-url': { type: 'string' },
        suite: { type: 'string' },
        mode: { type: 'string' },
        since: { type: 'string' },
        'auto-adopt': { type: 'boolean' },
        'no-auto-adopt': { type: 'boolean' },
        'max-proposals': { type: 'string' },
        repeat: { type: 'string' },
        concurrency: { type: 'string' },
        driver: { type: 'string' },
        org: { type: 'string' },
        'no-setup': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
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
  if (!values.model) return fail(`--model required (the reporter agent's model, provider:model)\n\n${USAGE}`);
  for (const [flag, m] of [
    ['--model', values.model],
    ['--eval-model', values['eval-model']],
  ] as const) {
    const problem = m ? modelNameProblem(m) : null;
    if (problem) return fail(`${flag} ${problem}`);
  }
  if (values['auto-adopt'] && values['no-auto-adopt']) return fail('--auto-adopt and --no-auto-adopt contradict each other');
  const mode = values.mode ?? undefined;
  if (mode !== undefined && mode !== 'agent' && mode !== 'pipeline') return fail(`--mode must be agent or pipeline (got "${mode}")`);
  const { MAX_EVAL_CONCURRENCY, MAX_EVAL_REPEAT } = await import('../../evals/runner');
  const { MAX_PROPOSALS_LIMIT } = await import('../../rsi/settings');
  const maxProposals = positiveInt('max-proposals', values['max-proposals'], MAX_PROPOSALS_LIMIT);
  const repeat = positiveInt('repeat', values.repeat, MAX_EVAL_REPEAT);
  const concurrency = positiveInt('concurrency', values.concurrency, MAX_EVAL_CONCURRENCY);
  for (const v of [maxProposals, repeat, concurrency]) if (typeof v === 'string') return fail(v);
  let driver: SandboxDriverName;
  try {
    driver = parseDriver(values.driver ?? process.env.SANDBOX_DRIVER);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (values.since !== undefined) {
    const s = await sinceOf(values.since);
    if (typeof s === 'string') return fail(s);
  }
  if (values.suite && values.suite !== 'builtin') {
    const { EvalSuiteError, loadSuite, resolveSuiteDir } = await import('../../evals/suite');
    try {
      loadSuite(resolveSuiteDir(values.suite));
    } catch (err) {
      if (err instanceof EvalSuiteError) return fail(err.message);
      throw err;
    }
  }
  const log = (line: string) => {
    if (!values.quiet) process.stderr.write(`${line}\n`);
  };

  const [{ openDatabase }, { createPublisher }, cli, { runCycle }, { dispatchNotice }, { loadRsiSettings }, { improvementsPageUrl }] = await Promise.all([
    import('../../boot'),
    import('../../realtime/publish'),
    import('../../services/cli-runs'),
    import('../../rsi/cycle'),
    import('../../notify/dispatch'),
    import('../../services/rsi'),
    import('../../rsi/notice'),
  ]);
  const data = dataDir();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  const rt = await openDatabase({ dataDir: data, own: false, allowTemporary: true });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { db } = rt;
    let org;
    try {
      org = await cli.cliOrganization(db, values.org ?? process.env.NIGHTSHIFT_CLI_ORG);
    } catch (err) {
      if (err instanceof cli.CliRunError) return fail(err.message);
      throw err;
    }
    const publish = createPublisher(db, rt.pool);
    let code = 0;
    for (;;) {
      const since = values.since !== undefined ? ((await sinceOf(values.since)) as Date) : undefined;
      const summary = await runCycle({
        db,
        databaseUrl: rt.url,
        dataDir: data,
        orgId: org.id,
        trigger: 'cli',
        since,
        settings: {
          model: values.model,
          evalModel: values['eval-model'] ?? values.model,
          ...(mode ? { evalMode: mode as 'agent' | 'pipeline' } : {}),
          ...(values['auto-adopt'] ? { autoAdopt: true } : {}),
          ...(values['no-auto-adopt'] ? { autoAdopt: false } : {}),
          ...(typeof maxProposals === 'number' ? { maxProposals } : {}),
        },
        baseUrl: values['base-url'],
        suite: values.suite,
        driver,
        publish,
        repeat: repeat as number | undefined,
        concurrency: concurrency as number | undefined,
        setupDependencies: !values['no-setup'],
        pageUrl: improvementsPageUrl(org.slug),
        notify: async (notice) => {
          for (const s of await dispatchNotice(db, org.id, notice)) if (!s.ok) log(`notice to ${s.name} not sent: ${s.error}`);
        },
        log,
        signal: abort.signal,
      });
      if (!values.json) {
        process.stdout.write(`report ${summary.reportId}: ${summary.observations.length} observations from ${summary.runsMined} runs\n`);
        for (const p of summary.proposals) process.stdout.write(`- ${p.kind} ${p.target}: ${p.status}${p.reason ? ` — ${p.reason}` : ''}\n`);
      }
      process.stdout.write(
        `${JSON.stringify({
          reportId: summary.reportId,
          observations: summary.observations.map(observationJson),
          proposals: summary.proposals.map((p) => ({ id: p.id, kind: p.kind, target: p.target, title: p.title, status: p.status, reason: p.reason, observations: p.observations, ...(p.calibration ? { calibration: p.calibration } : {}) })),
          adopted: summary.adopted,
        })}\n`,
      );
      if (summary.proposals.some((p) => p.status === 'error')) code = 1;
      if (values.once || abort.signal.aborted) return code;
      const { intervalMinutes } = await loadRsiSettings(db, org.id);
      log(`next cycle in ${intervalMinutes} minutes (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMinutes * 60_000);
        abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (abort.signal.aborted) return code;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await rt.close();
  }
}
