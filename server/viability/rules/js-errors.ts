import ts from 'typescript';
import { dottedName, someInBody, type JsRule } from '../js-tree';

/** Calls that hand an error on: loggers, error reporters, promise rejection, Express's `next(err)`. */
const HANDOFF_RE = /(?:^|\.)(?:error|warn|warning|log|info|debug|fatal|trace|exception|captureException|reportError|report|reject|fail|next|emit|onError|setError)$/;

export const emptyCatch: JsRule = {
  id: 'js/empty-catch',
  category: 'errors',
  language: 'js',
  severity: 'high',
  title: 'Empty `catch` block',
  message: 'An empty `catch` swallows every error, including the ones nobody expected; failures then surface far away or never.',
  instead: 'Catch only what you expect and handle it; log and rethrow the rest: `catch (err) { if (!(err instanceof NotFoundError)) throw err; return null; }`.',
  kinds: [ts.SyntaxKind.CatchClause],
  check(node, ctx) {
    if (ts.isCatchClause(node) && node.block.statements.length === 0) ctx.report(node);
  },
};

export const swallowCatch: JsRule = {
  id: 'js/swallow-catch',
  category: 'errors',
  language: 'js',
  severity: 'medium',
  title: '`catch` that discards the error',
  message: 'This `catch` neither uses, logs nor rethrows the error: every failure, expected or not, becomes the same silent fallback.',
  instead: 'Name the error and decide: handle the expected case, otherwise log and rethrow — `catch (err) { logger.error({ err }, "loading settings failed"); throw err; }`.',
  kinds: [ts.SyntaxKind.CatchClause],
  check(node, ctx) {
    if (!ts.isCatchClause(node) || node.block.statements.length === 0) return;
    const name = node.variableDeclaration && ts.isIdentifier(node.variableDeclaration.name) ? node.variableDeclaration.name.text : undefined;
    const handled = someInBody(
      node.block,
      (n) =>
        ts.isThrowStatement(n) ||
        (name !== undefined && ts.isIdentifier(n) && n.text === name) ||
        (ts.isCallExpression(n) && HANDOFF_RE.test(dottedName(n.expression) ?? (ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : ''))),
    );
    if (!handled) ctx.report(node);
  },
};

/** `() => {}`, `() => undefined`, `() => null`, `function () {}`, `noop`. */
function isNoop(fn: ts.Expression | undefined): boolean {
  if (!fn) return false;
  if (ts.isIdentifier(fn)) return /^(?:noop|ignore|_\.noop)$/.test(fn.text);
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  const body = fn.body;
  if (ts.isBlock(body)) return body.statements.length === 0;
  return ts.isIdentifier(body) ? body.text === 'undefined' : body.kind === ts.SyntaxKind.NullKeyword || ts.isVoidExpression(body);
}

export const emptyPromiseCatch: JsRule = {
  id: 'js/empty-promise-catch',
  category: 'errors',
  language: 'js',
  severity: 'medium',
  title: '`.catch(() => {})` that drops a rejection',
  message: 'The rejection is thrown away: when this fails, nothing says so.',
  instead: "Handle or at least record it: `.catch((err) => logger.warn({ err }, 'cleanup failed'))`; if the failure truly does not matter, say why in a comment next to a named handler.",
  kinds: [ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'catch' && isNoop(node.arguments[0])) ctx.report(node);
  },
};

/** Whether a call statement returns a promise, as far as this file tells. */
function returnsPromise(call: ts.CallExpression, facts: Parameters<JsRule['check']>[1]['facts']): boolean {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text === 'fetch' || facts.asyncFunctions.has(callee.text) || facts.fsPromiseFunctions.has(callee.text);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  if (method === 'then') return call.arguments.length < 2; // no rejection handler
  const target = callee.expression;
  if (target.kind === ts.SyntaxKind.ThisKeyword) return facts.asyncMethods.has(method);
  if (ts.isIdentifier(target)) return facts.fsPromiseModules.has(target.text);
  // fs.promises.writeFile(…)
  return ts.isPropertyAccessExpression(target) && target.name.text === 'promises' && ts.isIdentifier(target.expression) && facts.fsModules.has(target.expression.text);
}

export const floatingPromise: JsRule = {
  id: 'js/floating-promise',
  category: 'errors',
  language: 'js',
  severity: 'medium',
  title: 'Promise neither awaited nor handled',
  message: 'This call returns a promise that nobody awaits: its failure is an unhandled rejection and the code after it runs before it finishes.',
  instead: 'Write `await save(x)` (or return the promise); when fire-and-forget is intended, make it explicit and handled: `void save(x).catch((err) => logger.error({ err }, "save failed"))`.',
  kinds: [ts.SyntaxKind.ExpressionStatement],
  check(node, ctx) {
    if (!ts.isExpressionStatement(node)) return;
    const expr = node.expression;
    if (ts.isCallExpression(expr) && returnsPromise(expr, ctx.facts)) ctx.report(node);
  },
};
