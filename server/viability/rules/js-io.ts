import ts from 'typescript';
import { dottedName, isFunctionLike, type JsFileFacts, type JsRule } from '../js-tree';

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'use', 'options', 'head']);
const NEXT_HANDLERS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

const paramName = (p: ts.ParameterDeclaration | undefined) => (p && ts.isIdentifier(p.name) ? p.name.text : '');

function isExported(node: ts.Node): boolean {
  return !!ts.canHaveModifiers(node) && !!ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** A function that answers an HTTP request: by its parameters, where it is registered, or its export name. */
function isRequestHandler(fn: ts.FunctionLikeDeclaration, file: string): boolean {
  const [a, b] = fn.parameters;
  if (/^(?:req|request)$/.test(paramName(a)) && /^(?:res|response|reply)$/.test(paramName(b))) return true;
  const parent = fn.parent;
  // app.get('/users', (…) => …), router.post(…), http.createServer((…) => …)
  if (parent && ts.isCallExpression(parent) && parent.arguments.includes(fn as ts.Expression)) {
    const callee = parent.expression;
    if (ts.isPropertyAccessExpression(callee) && ROUTE_METHODS.has(callee.name.text)) {
      const first = parent.arguments[0];
      if (callee.name.text === 'use' || (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) && first.text.startsWith('/'))) return true;
    }
    if (/(?:^|\.)createServer$/.test(dottedName(callee) ?? '')) return true;
  }
  // Next.js route handlers: export async function GET(request) / export const POST = async (…) => …
  if (ts.isFunctionDeclaration(fn) && fn.name && NEXT_HANDLERS.has(fn.name.text) && isExported(fn)) return true;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) && NEXT_HANDLERS.has(parent.name.text)) {
    const statement = parent.parent?.parent;
    if (statement && isExported(statement)) return true;
  }
  // pages/api/*: export default function handler(req, res)
  if (/(?:^|\/)pages\/api\//.test(file) && ts.isFunctionDeclaration(fn) && isExported(fn)) {
    return !!ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
  }
  return false;
}

function syncFsName(callee: ts.Expression, facts: JsFileFacts): string | undefined {
  if (ts.isIdentifier(callee)) {
    const imported = facts.fsFunctions.get(callee.text);
    return imported?.endsWith('Sync') ? imported : undefined;
  }
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && facts.fsModules.has(callee.expression.text) && callee.name.text.endsWith('Sync')) return callee.name.text;
  return undefined;
}

export const syncFsInHandler: JsRule = {
  id: 'js/sync-fs-in-handler',
  category: 'performance',
  language: 'js',
  severity: 'medium',
  title: 'Synchronous file I/O in a request handler',
  message: 'A `*Sync` file call inside a request handler blocks the event loop: every other request waits for the disk.',
  instead: 'Use the promise API — `const text = await fs.promises.readFile(file, \'utf8\')` — or read the file once at start-up, outside the handler.',
  kinds: [ts.SyntaxKind.CallExpression],
  check(node, ctx) {
    if (!ts.isCallExpression(node)) return;
    const name = syncFsName(node.expression, ctx.facts);
    if (!name) return;
    for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
      if (isFunctionLike(n) && isRequestHandler(n, ctx.sf.fileName)) return ctx.report(node, `\`${name}\` inside a request handler blocks the event loop: every other request waits for the disk.`);
    }
  },
};
