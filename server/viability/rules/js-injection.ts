import ts from 'typescript';
import { dottedName, isInertHole, isStaticString, stringParts, type JsRule } from '../js-tree';
import { looksLikeSql } from '../heuristics';
import { carriesRequestInput } from './js-request';

const isPlus = (n: ts.Node): n is ts.BinaryExpression => ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken;
const hasLiveHole = (holes: ts.Expression[]) => holes.some((h) => !isInertHole(h));

/** `a + b + c` parses as `(a + b) + c`: only the outermost `+` is looked at, once. */
function isOutermostPlus(node: ts.Node): boolean {
  let p = node.parent;
  while (p && ts.isParenthesizedExpression(p)) p = p.parent;
  return !(p && isPlus(p));
}

export const sqlConcat: JsRule = {
  id: 'js/sql-concat',
  category: 'injection',
  language: 'js',
  severity: 'critical',
  title: 'SQL text built by concatenation or template interpolation',
  message: 'SQL is built by splicing values into the query text; a value containing a quote rewrites the query (SQL injection).',
  instead: "Keep the SQL text constant and pass values as bound parameters: `db.query('SELECT * FROM users WHERE id = $1', [id])`, or the query builder / a tagged sql`… ${id}` template that binds them.",
  kinds: [ts.SyntaxKind.TemplateExpression, ts.SyntaxKind.BinaryExpression],
  check(node, ctx) {
    if (ts.isTemplateExpression(node)) {
      if (node.parent && ts.isTaggedTemplateExpression(node.parent)) return; // sql`…${x}` binds x
      const parts = stringParts(node)!;
      if (looksLikeSql(parts.text) && hasLiveHole(parts.holes)) ctx.report(node);
      return;
    }
    if (!ts.isBinaryExpression(node)) return;
    if (node.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) {
      // sql += " AND name = '" + name + "'"
      const target = dottedName(node.left) ?? '';
      const parts = stringParts(node.right);
      if (/(?:sql|query)$/i.test(target) && parts && hasLiveHole(parts.holes) && /\b(?:where|and|or|order\s+by|group\s+by|limit|offset|values|set|in)\b/i.test(parts.text)) ctx.report(node);
      return;
    }
    if (!isPlus(node) || !isOutermostPlus(node)) return;
    const parts = stringParts(node);
    if (parts && looksLikeSql(parts.text) && hasLiveHole(parts.holes)) ctx.report(node);
  },
};

const EVAL_NAMES = new Set(['eval', 'window.eval', 'globalThis.eval', 'global.eval']);

export const evalCall: JsRule = {
  id: 'js/eval',
  category: 'injection',
  language: 'js',
  severity: 'critical',
  title: '`eval` of a string',
  message: '`eval` runs any text as code with the caller\'s privileges; whoever controls the string controls the process.',
  instead: 'Parse data with `JSON.parse(text)`; dispatch on names with a lookup table (`const handlers = { add, remove }; handlers[name]?.(args)`); never execute text.',
  kinds: [ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (ts.isCallExpression(node) && EVAL_NAMES.has(dottedName(node.expression) ?? '')) ctx.report(node);
  },
};

export const newFunction: JsRule = {
  id: 'js/new-function',
  category: 'injection',
  language: 'js',
  severity: 'high',
  title: '`new Function` built from a string',
  message: '`new Function(…)` compiles text into code at run time: `eval` under another name.',
  instead: 'Write the function in the source — a closure or a table of functions, `const ops = { sum: (a, b) => a + b }; ops[name]?.(a, b)`; for user-supplied expressions, parse that small language yourself instead of compiling JavaScript.',
  kinds: [ts.SyntaxKind.NewExpression, ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'Function') ctx.report(node);
  },
};

const TIMERS = new Set(['setTimeout', 'setInterval', 'window.setTimeout', 'window.setInterval', 'globalThis.setTimeout', 'globalThis.setInterval']);

export const stringTimer: JsRule = {
  id: 'js/string-timer',
  category: 'injection',
  language: 'js',
  severity: 'medium',
  title: '`setTimeout`/`setInterval` with a string of code',
  message: 'A timer given a string evaluates it like `eval`.',
  instead: 'Pass a function: `setTimeout(() => refresh(id), 1000)`.',
  kinds: [ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (!ts.isCallExpression(node) || !TIMERS.has(dottedName(node.expression) ?? '')) return;
    const first = node.arguments[0];
    if (first && stringParts(first)) ctx.report(node);
  },
};

const SHELL_STRING_FNS = new Set(['exec', 'execSync']);
const ARGV_FNS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync']);

function childProcessFunction(callee: ts.Expression, facts: { childProcessModules: ReadonlySet<string>; childProcessFunctions: ReadonlyMap<string, string> }): string | undefined {
  if (ts.isIdentifier(callee)) return facts.childProcessFunctions.get(callee.text);
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && facts.childProcessModules.has(callee.expression.text)) return callee.name.text;
  return undefined;
}

function hasShellOption(args: readonly ts.Expression[]): boolean {
  return args.some(
    (a) =>
      ts.isObjectLiteralExpression(a) &&
      a.properties.some((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'shell' && p.initializer.kind !== ts.SyntaxKind.FalseKeyword),
  );
}

export const shellExecString: JsRule = {
  id: 'js/shell-exec-string',
  category: 'injection',
  language: 'js',
  severity: 'critical',
  title: 'Shell command built from a string',
  message: 'A shell command is built by interpolating values into a string; a value containing `;`, `$(…)` or a quote runs commands of its own (command injection).',
  instead: "Run the program with an argument array and no shell: `execFile('git', ['checkout', branch])` or `spawn('convert', [input, output])`; validate values that become options (a leading `-`).",
  kinds: [ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (!ts.isCallExpression(node)) return;
    const fn = childProcessFunction(node.expression, ctx.facts);
    if (!fn) return;
    const first = node.arguments[0];
    if (!first) return;
    const parts = stringParts(first);
    const built = !!parts && hasLiveHole(parts.holes);
    if (SHELL_STRING_FNS.has(fn) && built) ctx.report(node);
    else if (ARGV_FNS.has(fn) && hasShellOption(node.arguments) && (built || !isStaticString(first))) ctx.report(node, 'A command runs through a shell (`shell: true`) with a command line built from values: command injection.');
  },
};

const isStaticHtml = (n: ts.Expression) => isStaticString(n) || (!!stringParts(n) && !hasLiveHole(stringParts(n)!.holes));

export const innerHtml: JsRule = {
  id: 'js/inner-html',
  category: 'injection',
  language: 'js',
  severity: 'high',
  title: '`innerHTML` (or `document.write`) with a variable',
  message: 'HTML built from a variable is parsed as markup; text from a user becomes script (cross-site scripting).',
  instead: 'Set text with `el.textContent = value`, build nodes with `document.createElement`, or sanitise first: `el.innerHTML = DOMPurify.sanitize(html)`.',
  kinds: [ts.SyntaxKind.BinaryExpression, ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind;
      if (op !== ts.SyntaxKind.EqualsToken && op !== ts.SyntaxKind.PlusEqualsToken) return;
      if (!ts.isPropertyAccessExpression(node.left) || !['innerHTML', 'outerHTML'].includes(node.left.name.text)) return;
      if (!isStaticHtml(node.right) && !isSanitised(node.right)) ctx.report(node);
      return;
    }
    if (!ts.isCallExpression(node)) return;
    const name = dottedName(node.expression) ?? '';
    const html = name.endsWith('.insertAdjacentHTML') ? node.arguments[1] : name === 'document.write' || name === 'document.writeln' ? node.arguments[0] : undefined;
    if (html && !isStaticHtml(html) && !isSanitised(html)) ctx.report(node);
  },
};

/** `DOMPurify.sanitize(x)`, `sanitizeHtml(x)`, `escapeHtml(x)`: the value went through a cleaner. */
function isSanitised(n: ts.Expression): boolean {
  return ts.isCallExpression(n) && /(?:sanitize|purify|escape)/i.test(dottedName(n.expression) ?? '');
}

export const dangerouslySetInnerHtml: JsRule = {
  id: 'js/dangerously-set-inner-html',
  category: 'injection',
  language: 'js',
  severity: 'high',
  title: '`dangerouslySetInnerHTML` with a variable',
  message: '`dangerouslySetInnerHTML` renders a variable as raw HTML, bypassing React\'s escaping (cross-site scripting).',
  instead: 'Render the value as text (`<p>{value}</p>`) or as Markdown through `react-markdown`; if raw HTML is unavoidable, pass `{ __html: DOMPurify.sanitize(html) }`.',
  kinds: [ts.SyntaxKind.JsxAttribute],
  check(node, ctx) {
    if (!ts.isJsxAttribute(node) || !ts.isIdentifier(node.name) || node.name.text !== 'dangerouslySetInnerHTML') return;
    const init = node.initializer;
    const expr = init && ts.isJsxExpression(init) ? init.expression : undefined;
    if (!expr) return;
    if (ts.isObjectLiteralExpression(expr)) {
      const html = expr.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === '__html');
      if (!html || isStaticHtml(html.initializer) || isSanitised(html.initializer)) return;
    }
    ctx.report(node);
  },
};

export const openRedirect: JsRule = {
  id: 'js/open-redirect',
  category: 'injection',
  language: 'js',
  severity: 'high',
  title: 'Redirect to a URL taken from the request',
  message: 'The redirect target comes straight from the request; a link to this page can send users to any site (open redirect, phishing).',
  instead: "Redirect only to known places: accept a relative path (`target.startsWith('/') && !target.startsWith('//')`) or look the target up in an allow-list; otherwise redirect to `/`.",
  kinds: [ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (!ts.isCallExpression(node)) return;
    const name = dottedName(node.expression) ?? (ts.isPropertyAccessExpression(node.expression) ? node.expression.name.text : '');
    if (!/(?:^|\.)redirect$/.test(name)) return;
    if (node.arguments.some(carriesRequestInput)) ctx.report(node);
  },
};

const FILE_SINKS = /(?:^|\.)(?:readFile|readFileSync|writeFile|writeFileSync|appendFile|appendFileSync|createReadStream|createWriteStream|unlink|unlinkSync|rm|rmSync|readdir|readdirSync|open|openSync|sendFile|download|join|resolve)$/;

export const pathFromRequest: JsRule = {
  id: 'js/path-from-request',
  category: 'injection',
  language: 'js',
  severity: 'high',
  title: 'File path taken from the request',
  message: 'A file path is built from request input; `../` in it reaches files outside the intended folder (path traversal).',
  instead: 'Resolve against a fixed root and check the result stays inside: `const p = path.resolve(root, name); if (!p.startsWith(root + path.sep)) return res.status(400)`; better, look files up by id.',
  kinds: [ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (!ts.isCallExpression(node)) return;
    const name = dottedName(node.expression) ?? (ts.isPropertyAccessExpression(node.expression) ? node.expression.name.text : '');
    if (!FILE_SINKS.test(name)) return;
    // path.join/resolve only count as sinks under those names; `array.join(x)` is not a path.
    if (/(?:^|\.)(?:join|resolve)$/.test(name) && !/^path\.(?:join|resolve)$/.test(name)) return;
    if (node.arguments.some(carriesRequestInput)) ctx.report(node);
  },
};
