/**
 * `nightshift run`'s flags, checked without touching the disk, the database or any heavy module:
 * a bad flag fails in the time it takes to start node. Imports only leaf modules (no drivers,
 * no model clients, no database).
 */
import { parseArgs } from 'node:util';
import { parseDriver } from '@/sandbox/driver-name';
import type { SandboxDriverName } from '@/sandbox/types';
import { parseModelName } from '../llm/model-name';
import { MAX_HEADLESS_CONCURRENCY, MAX_QA_CYCLES } from '../pipeline/limits';

export const RUN_USAGE = `usage: nightshift run --repo DIR --spec FILE.md|SPECKIT_DIR --model provider:model [--base-url URL]
                     [--driver auto|bwrap|docker|none] [--max-cycles N] [--concurrency N] [--quiet]
                     [--web-start "npm run dev" --web-url http://127.0.0.1:3000] [--org SLUG] [--no-setup]
       nightshift run --repo DIR --resume RUN_ID|last [--base-url URL] [--driver …] [--quiet]

Runs a spec end to end: score (refused below 70) → plan (planner agent) → waves → each task
through architect → developer ⇄ QA → reviewer in its own worktree and sandbox → commit on a
nightshift/* branch pushed to DIR → pull request with the verification report (recorded in the
database and as JSON under $NIGHTSHIFT_DATA_DIR/pull-requests/, default ./.nightshift).
Your checkout (files, index, HEAD) is not touched. Waves run in order; within a wave,
--concurrency N tasks run at once (default 1, at most ${MAX_HEADLESS_CONCURRENCY}), each in its own sandbox.
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
   "pullRequests":[{"branch","title","url"?,"report"}],"costUsd","runId"?}
(runId: the run in the database, what --resume takes; absent when the spec was refused.)
Exit 0 when every task succeeded, 1 otherwise, 2 for bad input or a spec below the threshold,
130 when interrupted (the run can be resumed).
`;

export type RunOptions = {
  /** As given (resolved against the working directory by the command). */
  repo: string;
  /** A new run: the spec file and the model. */
  spec?: string;
  model?: string;
  /** Continue a recorded run: its id or `last`. */
  resume?: string;
  org?: string;
  baseUrl?: string;
  driver: SandboxDriverName;
  maxCycles?: number;
  concurrency: number;
  webTest?: { startCommand: string; url: string };
  noSetup: boolean;
  quiet: boolean;
};

export type ParsedRunArgs = { kind: 'help' } | { kind: 'error'; message: string } | { kind: 'run'; options: RunOptions };

/** The flags of `nightshift run`, checked; `env` is read for SANDBOX_DRIVER and NIGHTSHIFT_CLI_ORG. */
export function parseRunArgs(argv: string[], env: Record<string, string | undefined> = process.env): ParsedRunArgs {
  const error = (message: string): ParsedRunArgs => ({ kind: 'error', message });
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
    return error(`${(err as Error).message}\n\n${RUN_USAGE}`);
  }
  if (values.help) return { kind: 'help' };
  const resume = values.resume?.trim();
  const missing = (resume ? (['repo'] as const) : (['repo', 'spec', 'model'] as const)).filter((k) => !values[k]);
  if (missing.length) return error(`${missing.map((m) => `--${m}`).join(', ')} required\n\n${RUN_USAGE}`);
  if (resume && values.spec) return error('--resume continues a recorded run with its own spec; leave out --spec');
  if (resume && resume !== 'last' && !/^[0-9a-f-]{36}$/i.test(resume)) return error(`--resume takes a run id or "last" (got "${resume}")`);
  if (values.model) {
    try {
      parseModelName(values.model);
    } catch (err) {
      return error((err as Error).message);
    }
  }
  const maxCycles = values['max-cycles'] === undefined ? undefined : Number(values['max-cycles']);
  // The flag may lower the pipeline's cap; it may not raise it.
  if (maxCycles !== undefined && (!Number.isInteger(maxCycles) || maxCycles < 1 || maxCycles > MAX_QA_CYCLES)) {
    return error(`--max-cycles must be an integer from 1 to ${MAX_QA_CYCLES} (got "${values['max-cycles']}")`);
  }
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_HEADLESS_CONCURRENCY) {
    return error(`--concurrency must be an integer from 1 to ${MAX_HEADLESS_CONCURRENCY} (got "${values.concurrency}")`);
  }
  if (Boolean(values['web-start']) !== Boolean(values['web-url'])) {
    return error('--web-start and --web-url go together: the command that starts the app and the URL it serves');
  }
  let webTest: RunOptions['webTest'];
  if (values['web-start'] && values['web-url']) {
    let url: URL;
    try {
      url = new URL(values['web-url']);
    } catch {
      return error(`--web-url must be a URL such as http://127.0.0.1:3000 (got "${values['web-url']}")`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return error(`--web-url must be http:// or https:// (got "${values['web-url']}")`);
    webTest = { startCommand: values['web-start'], url: url.toString() };
  }
  let driver: SandboxDriverName;
  try {
    driver = parseDriver(values.driver ?? env.SANDBOX_DRIVER);
  } catch (err) {
    return error((err as Error).message);
  }
  const org = values.org ?? env.NIGHTSHIFT_CLI_ORG;
  return {
    kind: 'run',
    options: {
      repo: values.repo!,
      ...(values.spec ? { spec: values.spec } : {}),
      ...(values.model ? { model: values.model } : {}),
      ...(resume ? { resume } : {}),
      ...(org ? { org } : {}),
      ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
      driver,
      ...(maxCycles !== undefined ? { maxCycles } : {}),
      concurrency,
      ...(webTest ? { webTest } : {}),
      noSetup: values['no-setup'],
      quiet: values.quiet,
    },
  };
}
