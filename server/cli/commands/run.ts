import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { dataDir } from '../../config';
import type { ImportedTask } from '../../specs/speckit';
import { parseRunArgs, RUN_USAGE } from '../run-options';

function fail(message: string): number {
  process.stderr.write(`nightshift run: ${message}\n`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  // Flags first, with nothing loaded but the flag parser: a bad flag never waits on a database.
  const parsed = parseRunArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') return fail(parsed.message);
  const { options: values } = parsed;
  const { resume, driver, concurrency, maxCycles, webTest } = values;
  const [{ git }, { scoreSpec }, { buildRepoIndex }, { importSpecKit }, { readSpecFile }] = await Promise.all([
    import('../../repos/git'),
    import('../../specs/score'),
    import('../../specs/repo-index'),
    import('../../specs/speckit'),
    import('./spec'),
  ]);
  const repo = resolve(values.repo);
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
  // Grounded in the checkout, like `spec score --repo` and the web gate: names it gives that do not exist count.
  const specRepo = specMarkdown !== undefined ? await buildRepoIndex(repo) : undefined;
  if (specMarkdown !== undefined) {
    const scored = scoreSpec(specMarkdown, specRepo ? { repo: specRepo } : {});
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
    const environment = values.noSetup ? undefined : cliEnvironment({ db: rt.db, dataDir: data, repo, driver, log, quiet: values.quiet });
    const result = await runSpecHeadless({
      db: rt.db,
      databaseUrl: rt.url,
      publish: createPublisher(rt.db, rt.pool),
      repo,
      specMarkdown,
      ...(specRepo ? { specRepo } : {}),
      ...(importedTasks ? { importedTasks } : {}),
      resume,
      modelName: values.model,
      baseUrl: values.baseUrl,
      orgSlug: values.org,
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
