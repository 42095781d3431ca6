import { dataDir } from '../../config';
import { modelNameProblem } from '../../pipeline/role-models';
import type { StoredObservation } from '../../services/rsi';
import type { DB } from '../../db/client';
import { cliCommand, stderrLog, type Exit } from '../command';

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

const command = cliCommand('rsi', USAGE);
const { fail } = command;

export async function run(argv: string[]): Promise<number> {
  return command.subcommands(argv, { report: rsiReport, run: rsiRun });
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

/** The organisation of --org (else NIGHTSHIFT_CLI_ORG, else the instance's first); one that is not there fails. */
async function cliOrg(db: DB, flag: string | undefined): Promise<{ id: string; slug: string } | Exit> {
  const cli = await import('../../services/cli-runs');
  try {
    return await cli.cliOrganization(db, flag ?? process.env.NIGHTSHIFT_CLI_ORG);
  } catch (err) {
    if (err instanceof cli.CliRunError) return { exit: fail(err.message) };
    throw err;
  }
}

async function rsiReport(argv: string[]): Promise<number> {
  const parsed = command.flags(argv, { since: { type: 'string' }, json: { type: 'boolean', default: false }, org: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const since = await sinceOf(values.since);
  if (typeof since === 'string') return fail(since);
  const [{ withDatabase }, { runReport }, rsi] = await Promise.all([import('../with-db'), import('../../rsi/report'), import('../../services/rsi')]);
  return withDatabase(async ({ db }) => {
    const org = await cliOrg(db, values.org);
    if ('exit' in org) return org.exit;
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
  const parsed = command.flags(argv, {
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
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
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
  const driverFlag = command.driver(values.driver);
  if ('exit' in driverFlag) return driverFlag.exit;
  const { driver } = driverFlag;
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
  const log = stderrLog(values.quiet);

  const [{ withDatabase }, { createPublisher }, { runCycle }, { dispatchNotice }, { loadRsiSettings }, { improvementsPageUrl }] = await Promise.all([
    import('../with-db'),
    import('../../realtime/publish'),
    import('../../rsi/cycle'),
    import('../../notify/dispatch'),
    import('../../services/rsi'),
    import('../../rsi/notice'),
  ]);
  const data = dataDir();
  return withDatabase(async (rt, signal) => {
    const { db } = rt;
    const org = await cliOrg(db, values.org);
    if ('exit' in org) return org.exit;
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
        signal,
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
      if (values.once || signal.aborted) return code;
      const { intervalMinutes } = await loadRsiSettings(db, org.id);
      log(`next cycle in ${intervalMinutes} minutes (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMinutes * 60_000);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (signal.aborted) return code;
    }
  }, { interruptible: true });
}
