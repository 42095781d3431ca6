import type { Node } from 'web-tree-sitter';
import { builtString, calleeTail, keywordArg, positionalArgs, qualifiedName, stringContent, type PyRule } from '../py-tree';
import { looksLikeSql } from '../heuristics';

/** Only the outermost piece of a built string is looked at: `"a" + f"{b}" + c` is one finding. */
function isOutermostBuild(node: Node): boolean {
  let p = node.parent;
  while (p && p.type === 'parenthesized_expression') p = p.parent;
  if (!p) return true;
  if (p.type === 'binary_operator' && ['+', '%'].includes(p.childForFieldName('operator')?.type ?? '')) return false;
  if (p.type === 'concatenated_string') return false;
  return !(p.type === 'attribute' && p.parent?.type === 'call' && p.childForFieldName('attribute')?.text === 'format');
}

export const pySqlFormat: PyRule = {
  id: 'py/sql-format',
  category: 'injection',
  language: 'python',
  severity: 'critical',
  title: 'SQL text built with an f-string, `%`, `+` or `.format()`',
  message: 'SQL is built by formatting values into the query text; a value containing a quote rewrites the query (SQL injection).',
  instead: 'Keep the SQL constant and pass values as parameters: `cur.execute("SELECT * FROM users WHERE id = %s", (user_id,))` (sqlite3: `?`; SQLAlchemy: `text("… WHERE id = :id"), {"id": user_id}`).',
  types: ['string', 'concatenated_string', 'binary_operator', 'call'],
  check(node, ctx) {
    const text = builtString(node);
    if (text === undefined || !isOutermostBuild(node)) return;
    if (looksLikeSql(text)) ctx.report(node);
  },
};

/** Not a constant string: something built or passed in. */
function isDynamic(node: Node | undefined): boolean {
  if (!node) return false;
  if (node.type === 'string') return stringContent(node).interpolated;
  if (node.type === 'concatenated_string') return builtString(node) !== undefined;
  return !['integer', 'float', 'true', 'false', 'none', 'list', 'tuple'].includes(node.type);
}

export const pyEvalExec: PyRule = {
  id: 'py/eval-exec',
  category: 'injection',
  language: 'python',
  severity: 'critical',
  title: '`eval`/`exec` of a string',
  message: '`eval`/`exec` run any text as Python with the caller\'s privileges; whoever controls the string controls the process.',
  instead: 'Parse data with `json.loads(text)` or `ast.literal_eval(text)` (literals only); dispatch on names with a dict of functions (`HANDLERS[name](args)`).',
  types: ['call'],
  check(node, ctx) {
    const fn = node.childForFieldName('function');
    if (fn?.type !== 'identifier' || !['eval', 'exec'].includes(fn.text) || ctx.imports.has(fn.text)) return;
    const first = positionalArgs(node)[0];
    if (isDynamic(first)) ctx.report(node);
  },
};

const SUBPROCESS_FNS = new Set(['subprocess.run', 'subprocess.call', 'subprocess.check_call', 'subprocess.check_output', 'subprocess.Popen']);
const ALWAYS_SHELL = new Set(['subprocess.getoutput', 'subprocess.getstatusoutput']);

export const pyShellString: PyRule = {
  id: 'py/shell-string',
  category: 'injection',
  language: 'python',
  severity: 'critical',
  title: '`shell=True` with a command built from values',
  message: 'A shell command line is built from values and run with `shell=True`; a value containing `;`, `$(…)` or a quote runs commands of its own (command injection).',
  instead: 'Pass an argument list without a shell: `subprocess.run(["git", "checkout", branch], check=True)`; if a shell is unavoidable, quote each value with `shlex.quote`.',
  types: ['call'],
  check(node, ctx) {
    const name = qualifiedName(node.childForFieldName('function'), ctx.imports) ?? '';
    const first = positionalArgs(node)[0] ?? keywordArg(node, 'args');
    if (ALWAYS_SHELL.has(name)) {
      if (isDynamic(first)) ctx.report(node);
      return;
    }
    if (!SUBPROCESS_FNS.has(name)) return;
    const shell = keywordArg(node, 'shell');
    if (!shell || shell.type === 'false' || shell.type === 'none') return;
    if (first && first.type !== 'list' && isDynamic(first)) ctx.report(node);
  },
};

export const pyOsSystem: PyRule = {
  id: 'py/os-system',
  category: 'injection',
  language: 'python',
  severity: 'high',
  title: '`os.system`/`os.popen` with a command built from values',
  message: '`os.system` and `os.popen` always go through a shell; a value in the command line can run commands of its own (command injection).',
  instead: 'Use `subprocess.run(["convert", src, dst], check=True)` with an argument list, which runs no shell and raises on failure.',
  types: ['call'],
  check(node, ctx) {
    const name = qualifiedName(node.childForFieldName('function'), ctx.imports);
    if (name !== 'os.system' && name !== 'os.popen') return;
    if (isDynamic(positionalArgs(node)[0])) ctx.report(node);
  },
};

const SAFE_LOADERS = /(?:^|\.)(?:SafeLoader|CSafeLoader|BaseLoader)$/;

export const pyYamlLoad: PyRule = {
  id: 'py/yaml-load',
  category: 'injection',
  language: 'python',
  severity: 'high',
  title: '`yaml.load` without a safe loader',
  message: '`yaml.load` with the default or full loader builds arbitrary Python objects from tags in the document: loading an untrusted file can run code.',
  instead: 'Use `yaml.safe_load(text)` (or `yaml.load(text, Loader=yaml.SafeLoader)`), which builds only plain lists, dicts, strings and numbers.',
  types: ['call'],
  check(node, ctx) {
    const name = qualifiedName(node.childForFieldName('function'), ctx.imports);
    if (name === 'yaml.unsafe_load' || name === 'yaml.unsafe_load_all') return ctx.report(node);
    if (name !== 'yaml.load' && name !== 'yaml.load_all') return;
    const loader = keywordArg(node, 'Loader') ?? positionalArgs(node)[1];
    if (!loader || !SAFE_LOADERS.test(loader.text)) ctx.report(node);
  },
};

const PICKLE_FNS = new Set(['pickle.loads', 'pickle.load', 'cPickle.loads', 'cPickle.load', 'dill.loads', 'dill.load', 'jsonpickle.decode', 'marshal.loads', 'shelve.open']);

export const pyPickleLoads: PyRule = {
  id: 'py/pickle-loads',
  category: 'injection',
  language: 'python',
  severity: 'critical',
  title: '`pickle.loads` of data from outside',
  message: 'Unpickling runs code named in the data: bytes from a request, a cache or a file someone else can write are remote code execution.',
  instead: 'Exchange data as JSON — `json.loads(payload)` validated by a schema (pydantic / dataclasses); if pickles are unavoidable, sign them (`hmac`) and refuse any that fail the check.',
  types: ['call'],
  check(node, ctx) {
    const name = qualifiedName(node.childForFieldName('function'), ctx.imports) ?? '';
    if (PICKLE_FNS.has(name) && isDynamic(positionalArgs(node)[0])) ctx.report(node);
  },
};

export const pyMarkSafe: PyRule = {
  id: 'py/mark-safe',
  category: 'injection',
  language: 'python',
  severity: 'high',
  title: '`mark_safe`/`Markup` of a variable',
  message: 'Marking a variable as safe HTML switches the template\'s escaping off for it; text from a user becomes script (cross-site scripting).',
  instead: 'Let the template escape the value (`{{ value }}`), or build HTML with `format_html("<b>{}</b>", value)` / `Markup("<b>{}</b>").format(value)`, which escape each value.',
  types: ['call'],
  check(node, ctx) {
    const tail = calleeTail(node);
    if (tail !== 'mark_safe' && tail !== 'Markup' && tail !== 'SafeString') return;
    if (isDynamic(positionalArgs(node)[0])) ctx.report(node);
  },
};
