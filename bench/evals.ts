/**
 * The built-in eval suite through `nightshift eval run --suite builtin`, with the project's fake LLM
 * server as the model, scripted two ways:
 *   noop    looks around (lists files, runs the tests) and finishes without changing anything —
 *           the suite's floor: every task should fail;
 *   oracle  writes the reference solution of each task (test/fixtures/evals/builtin-solutions) with
 *           apply_code_changes and finishes — the suite's ceiling through the whole harness
 *           (worktrees, setup phase, sandboxes, hidden files, verify, the UI task's browser).
 * Reports the pass rate, per-task status and the eval's wall time for each.
 *
 *   npm run bench:evals [-- --scripts noop,oracle --concurrency 2 --driver bwrap]
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeLlm, type Turn } from '../test/fake-llm/server';
import { BUILTIN_SUITE_DIR, loadSuite } from '../server/evals/suite';

const ROOT = resolve(import.meta.dirname, '..');
const SOLUTIONS = join(ROOT, 'test/fixtures/evals/builtin-solutions');

const { values } = parseArgs({ options: { scripts: { type: 'string', default: 'noop,oracle' }, concurrency: { type: 'string', default: '2' }, driver: { type: 'string', default: 'bwrap' } } });
const suite = loadSuite(BUILTIN_SUITE_DIR);

type Msg = { role: string; content?: unknown };
const text = (c: unknown): string => (typeof c === 'string' ? c : JSON.stringify(c ?? ''));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function script(kind: string): (body: Record<string, unknown>) => Turn {
  return (body) => {
    const messages = (body.messages ?? []) as Msg[];
    const step = messages.filter((m) => m.role === 'assistant').length;
    const objective = text(messages.find((m) => m.role === 'user')?.content);
    const task = suite.tasks.find((t) => objective.includes(t.title));
    const call = (name: string, args: Record<string, unknown>): Turn => ({ toolCalls: [{ name, args }] });
    if (step === 0) return call('list_files', { path: '.', depth: 4 });
    if (kind === 'oracle' && task && step === 1) {
      const dir = join(SOLUTIONS, task.id);
      const changes = filesUnder(dir).map((f) => ({ path: relative(dir, f), mode: 'create', overwrite: true, content: readFileSync(f, 'utf8') }));
      return call('apply_code_changes', { changes });
    }
    if (step <= 2) return call('run_command', { command: task?.verify.startsWith('python3') ? 'python3 -m unittest discover -s tests' : 'npm test' });
    return call('finish', { summary: kind === 'oracle' ? 'applied the change and ran the tests' : 'looked around; changed nothing' });
  };
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/nightshift.js'), ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 }));
  });
}

const summary: Record<string, unknown> = {};
for (const kind of values.scripts!.split(',')) {
  const dataDir = mkdtempSync(join(tmpdir(), `ns-bench-evals-${kind}-`));
  // As root, the embedded PostgreSQL runs as the postgres user, which must be able to enter it.
  chmodSync(dataDir, 0o711);
  const llm = await startFakeLlm({ script: script(kind) });
  try {
    const r = await cli(['eval', 'run', '--suite', 'builtin', '--model', 'openai:gpt-4o-mini', '--base-url', `${llm.url}/v1`, '--concurrency', values.concurrency!, '--driver', values.driver!], {
      NIGHTSHIFT_DATA_DIR: dataDir,
      OPENAI_API_KEY: 'sk-bench',
    });
    if ((r.code !== 0 && r.code !== 1) || !r.stdout.trim()) throw new Error(`eval run (${kind}) exited ${r.code}: ${r.stderr.split('\n').slice(-30).join('\n')}`);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    console.log(`\n${kind}: pass rate ${result.passed}/${result.runs} = ${result.passRate}; eval ${Math.round(result.durationMs / 100) / 10} s (CLI wall ${Math.round(r.ms / 100) / 10} s incl. embedded PostgreSQL); ${llm.requests.length} model requests`);
    console.log('task                         status   verify  turns  seconds');
    for (const t of result.tasks) console.log(`${t.id.padEnd(28)} ${t.status.padEnd(8)} ${String(t.verifyExitCode).padEnd(7)} ${String(t.turns).padEnd(6)} ${Math.round((t.durationMs ?? 0) / 100) / 10}`);
    summary[kind] = { passRate: result.passRate, passed: result.passed, runs: result.runs, durationMs: result.durationMs, tasks: Object.fromEntries(result.tasks.map((t: { id: string; status: string }) => [t.id, t.status])) };
  } finally {
    await llm.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ bench: 'evals', suite: suite.name, tasks: suite.tasks.length, ...summary }));
