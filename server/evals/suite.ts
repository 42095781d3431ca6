/**
 * An eval suite is a folder:
 *
 *   SUITE/suite.json                 {"name", "description"}
 *   SUITE/tasks/<id>/task.json       {"title", "prompt", "verify", "timeoutSec"?, "tags"?, "criteria"?, "webTest"?}
 *   SUITE/tasks/<id>/repo/           the repository at the start (a plain folder; made a git repo)
 *   SUITE/tasks/<id>/hidden/         copied over the result only to verify; never shown to the agent
 *
 * `loadSuite` reads and checks all of it before anything runs, so a bad suite is refused whole:
 * every problem is reported with the file it is in, and nothing is written anywhere.
 */
import { lstatSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The built-in suite's folder (`--suite builtin`). */
export const BUILTIN_SUITE_DIR = fileURLToPath(new URL('./builtin', import.meta.url));

/** How long `verify` may run when a task does not say (seconds). */
export const DEFAULT_VERIFY_TIMEOUT_SEC = 300;
export const MAX_VERIFY_TIMEOUT_SEC = 3600;

/** Task ids name folders, git branches and refs: kept to a safe alphabet. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const ZText = (what: string) => z.string({ required_error: `"${what}" is required`, invalid_type_error: `"${what}" must be a string` }).trim().min(1, `"${what}" must not be empty`);

export const ZSuiteJson = z
  .object({
    name: ZText('name').pipe(z.string().max(100, '"name" must be at most 100 characters')),
    description: z.string({ required_error: '"description" is required (a sentence saying what the suite measures)', invalid_type_error: '"description" must be a string' }),
  })
  .strict();

export const ZTaskJson = z
  .object({
    title: ZText('title').pipe(z.string().max(200, '"title" must be at most 200 characters')),
    prompt: ZText('prompt'),
    verify: z
      .string({ required_error: '"verify" is required: the shell command, run in the sandbox after hidden/ is copied in, whose exit code 0 means the task passed', invalid_type_error: '"verify" must be a shell command (a string)' })
      .trim()
      .min(1, '"verify" must not be empty'),
    timeoutSec: z
      .number({ invalid_type_error: '"timeoutSec" must be a number of seconds' })
      .int('"timeoutSec" must be a whole number of seconds')
      .positive('"timeoutSec" must be positive')
      .max(MAX_VERIFY_TIMEOUT_SEC, `"timeoutSec" must be at most ${MAX_VERIFY_TIMEOUT_SEC}`)
      .optional(),
    tags: z.array(z.string().trim().min(1), { invalid_type_error: '"tags" must be a list of strings' }).max(20).optional(),
    /** Acceptance criteria for QA (pipeline mode); the prompt alone when absent. */
    criteria: z.array(z.string().trim().min(1), { invalid_type_error: '"criteria" must be a list of strings' }).max(20).optional(),
    /** The app QA's web tester drives (pipeline mode): started from the worktree inside the sandbox. */
    webTest: z.object({ startCommand: ZText('webTest.startCommand'), url: z.string().url('"webTest.url" must be a URL') }).strict().optional(),
  })
  .strict();

export type EvalTaskJson = z.infer<typeof ZTaskJson>;

export type EvalTask = EvalTaskJson & {
  id: string;
  /** Absolute folder of the task. */
  dir: string;
  repoDir: string;
  /** Absent when the task has no hidden files. */
  hiddenDir: string | null;
  /** Files of repo/, relative (posix separators), sorted. */
  repoFiles: string[];
  /** Hidden files, relative to hidden/ (posix separators), sorted. */
  hiddenFiles: string[];
  timeoutSec: number;
};

export type EvalSuite = { name: string; description: string; dir: string; tasks: EvalTask[] };

/** A suite that cannot run. `problems` name the file each is in; `message` lists them all. */
export class EvalSuiteError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `the suite has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EvalSuiteError';
  }
}

/** `builtin` or a folder. */
export function resolveSuiteDir(suite: string): string {
  return suite === 'builtin' ? BUILTIN_SUITE_DIR : resolve(suite);
}

function statOrNull(path: string, follow = true): Stats | null {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return null;
  }
}

function readJson(file: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return undefined;
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    problems.push(`${file}: is not valid JSON (${(err as Error).message})`);
    return undefined;
  }
}

function zodProblems(file: string, error: z.ZodError): string[] {
  return error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `${file}: unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    const at = i.path.length && !i.message.startsWith('"') ? `"${i.path.join('.')}" ` : '';
    return `${file}: ${at}${i.message}`;
  });
}

/** Every file under `dir` (relative, posix), refusing anything that is not a plain file or folder. */
function walkFiles(dir: string, label: string, problems: string[], check: (rel: string, abs: string) => void): string[] {
  const out: string[] = [];
  const visit = (abs: string) => {
    let entries: string[];
    try {
      entries = readdirSync(abs).sort();
    } catch (err) {
      problems.push(`${abs}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return;
    }
    for (const name of entries) {
      const child = join(abs, name);
      const rel = relative(dir, child).split(sep).join('/');
      check(rel, child);
      const st = statOrNull(child, false);
      if (!st) continue;
      if (st.isSymbolicLink()) problems.push(`${child}: ${label} holds a symbolic link; only plain files and folders are allowed`);
      else if (st.isDirectory()) visit(child);
      else if (st.isFile()) out.push(rel);
      else problems.push(`${child}: ${label} holds something that is not a plain file or folder`);
    }
  };
  visit(dir);
  return out;
}

/**
 * Reads a suite folder and checks every task. Throws {@link EvalSuiteError} listing every problem
 * (each naming its file) when any is found.
 * @example
 *   const suite = loadSuite(resolveSuiteDir('builtin'));
 *   suite.tasks.map((t) => t.id);
 */
export function loadSuite(suiteDir: string): EvalSuite {
  const dir = resolve(suiteDir);
  const problems: string[] = [];
  const st = statOrNull(dir);
  if (!st) throw new EvalSuiteError([`${dir}: no such suite folder`]);
  if (!st.isDirectory()) throw new EvalSuiteError([`${dir}: a suite is a folder holding suite.json and tasks/`]);

  const suiteFile = join(dir, 'suite.json');
  let name = '';
  let description = '';
  if (!statOrNull(suiteFile)) problems.push(`${suiteFile}: missing (a suite needs {"name", "description"})`);
  else {
    const raw = readJson(suiteFile, problems);
    if (raw !== undefined) {
      const parsed = ZSuiteJson.safeParse(raw);
      if (parsed.success) ({ name, description } = parsed.data);
      else problems.push(...zodProblems(suiteFile, parsed.error));
    }
  }

  const tasksDir = join(dir, 'tasks');
  const tasks: EvalTask[] = [];
  const tst = statOrNull(tasksDir);
  if (!tst?.isDirectory()) problems.push(`${tasksDir}: missing (one folder per task: tasks/<id>/task.json, repo/, hidden/)`);
  else {
    const ids = readdirSync(tasksDir).sort();
    const folders = ids.filter((id) => statOrNull(join(tasksDir, id))?.isDirectory());
    for (const id of ids.filter((i) => !folders.includes(i))) problems.push(`${join(tasksDir, id)}: tasks/ holds only task folders`);
    if (!folders.length) problems.push(`${tasksDir}: holds no task`);
    for (const id of folders) {
      const task = loadTask(join(tasksDir, id), id, problems);
      if (task) tasks.push(task);
    }
  }
  if (problems.length) throw new EvalSuiteError(problems);
  return { name, description, dir, tasks };
}

function loadTask(taskDir: string, id: string, problems: string[]): EvalTask | null {
  const before = problems.length;
  if (!TASK_ID_PATTERN.test(id)) problems.push(`${taskDir}: a task folder's name is its id: letters, digits, ".", "_" and "-", at most 64, not starting with a punctuation mark`);

  const taskFile = join(taskDir, 'task.json');
  let json: EvalTaskJson | null = null;
  if (!statOrNull(taskFile)?.isFile()) problems.push(`${taskFile}: missing (every task needs {"title", "prompt", "verify"})`);
  else {
    const raw = readJson(taskFile, problems);
    if (raw !== undefined) {
      const parsed = ZTaskJson.safeParse(raw);
      if (parsed.success) json = parsed.data;
      else problems.push(...zodProblems(taskFile, parsed.error));
    }
  }

  const repoDir = join(taskDir, 'repo');
  let repoFiles: string[] = [];
  if (!statOrNull(repoDir)?.isDirectory()) problems.push(`${repoDir}: missing (the repository the agent starts from, as a plain folder)`);
  else {
    repoFiles = walkFiles(repoDir, 'repo/', problems, (rel, abs) => {
      if (rel.split('/').some((part) => part.toLowerCase() === '.git')) problems.push(`${abs}: repo/ must be a plain folder without .git (Nightshift makes it a git repository)`);
    });
  }

  const hiddenDir = join(taskDir, 'hidden');
  const hst = statOrNull(hiddenDir, false);
  let hiddenFiles: string[] = [];
  if (hst && !hst.isDirectory()) problems.push(`${hiddenDir}: must be a folder of files copied over the result before verify`);
  else if (hst) {
    hiddenFiles = walkFiles(hiddenDir, 'hidden/', problems, (rel, abs) => {
      // A hidden file lands in the checkout of the result: .git there is the repository itself.
      if (rel.split('/').some((part) => part.toLowerCase() === '.git')) problems.push(`${abs}: would overwrite the result's .git; hidden/ may only add or replace files of the working tree`);
    });
  }

  for (const extra of readdirSync(taskDir)) {
    if (!['task.json', 'repo', 'hidden'].includes(extra)) problems.push(`${join(taskDir, extra)}: unexpected in a task folder (task.json, repo/ and hidden/ only)`);
  }
  if (problems.length > before || !json) return null;
  return { ...json, id, dir: taskDir, repoDir, hiddenDir: hst ? hiddenDir : null, repoFiles, hiddenFiles, timeoutSec: json.timeoutSec ?? DEFAULT_VERIFY_TIMEOUT_SEC };
}
