import ts from 'typescript';
import type { RuleInfo } from './types';

/** A rule over the TypeScript compiler's syntax tree (JS, JSX, TS, TSX); no type checker. */
export type JsRule = RuleInfo & {
  language: 'js';
  /** Only for `.ts`/`.tsx`/`.mts`/`.cts` files (type-level patterns such as `as any`). */
  typescriptOnly?: boolean;
  /** The node kinds `check` wants to see; the walker calls it for no others. */
  kinds: readonly ts.SyntaxKind[];
  check(node: ts.Node, ctx: JsRuleContext): void;
};

export type JsRuleContext = {
  sf: ts.SourceFile;
  facts: JsFileFacts;
  /** Reports the pattern at `node`; `message` replaces the rule's message when given. */
  report(node: ts.Node, message?: string): void;
};

/** What several rules want to know about the whole file, computed once on first use. */
export type JsFileFacts = {
  /** Local names of functions declared `async` in this file (`async function f`, `const f = async () =>`). */
  asyncFunctions: ReadonlySet<string>;
  /** Names of `async` methods declared in classes of this file (`this.save()` is then a promise). */
  asyncMethods: ReadonlySet<string>;
  /** Local names bound to the `child_process` module (`cp` in `import * as cp`, `require('child_process')`). */
  childProcessModules: ReadonlySet<string>;
  /** Local names bound to functions of `child_process` (`exec`, `execSync` as imported). */
  childProcessFunctions: ReadonlyMap<string, string>;
  /** Local names bound to `fs` (`fs`, `fsSync`) and functions imported from it (`readFileSync`). */
  fsModules: ReadonlySet<string>;
  fsFunctions: ReadonlyMap<string, string>;
  /** Local names bound to `fs/promises` and its functions. */
  fsPromiseModules: ReadonlySet<string>;
  fsPromiseFunctions: ReadonlySet<string>;
};

const EXT_KIND: Record<string, ts.ScriptKind> = {
  '.ts': ts.ScriptKind.TS,
  '.mts': ts.ScriptKind.TS,
  '.cts': ts.ScriptKind.TS,
  '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS,
  '.mjs': ts.ScriptKind.JS,
  '.cjs': ts.ScriptKind.JS,
  '.jsx': ts.ScriptKind.JSX,
};
export const JS_EXTENSIONS = Object.keys(EXT_KIND);

export function isTypeScriptFile(file: string): boolean {
  return /\.(?:ts|tsx|mts|cts)$/.test(file) && !file.endsWith('.d.ts');
}

export type JsParse = { ok: true; sf: ts.SourceFile } | { ok: false; line: number; message: string };

/** Parses one file syntactically. A file with syntax errors is reported with its first error. */
export function parseJs(file: string, text: string): JsParse {
  const ext = /\.[cm]?[jt]sx?$/.exec(file)?.[0] ?? '.ts';
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, EXT_KIND[ext] ?? ts.ScriptKind.TS);
  // The parser's own diagnostics; not part of the public typings, but stable across releases and
  // the only way to learn about syntax errors without building a Program.
  const diags = (sf as unknown as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  const first = diags[0];
  if (first) {
    const line = sf.getLineAndCharacterOfPosition(first.start).line + 1;
    return { ok: false, line, message: ts.flattenDiagnosticMessageText(first.messageText, ' ') };
  }
  return { ok: true, sf };
}

const moduleName = (spec: ts.Expression | undefined) => (spec && ts.isStringLiteral(spec) ? spec.text.replace(/^node:/, '') : undefined);

/** Collects the facts the rules share in one pass over the top of the tree (imports, declarations). */
export function fileFacts(sf: ts.SourceFile): JsFileFacts {
  const asyncFunctions = new Set<string>();
  const asyncMethods = new Set<string>();
  const modules: Record<'child_process' | 'fs' | 'fs/promises', Set<string>> = { child_process: new Set(), fs: new Set(), 'fs/promises': new Set() };
  const functions: Record<'child_process' | 'fs' | 'fs/promises', Map<string, string>> = { child_process: new Map(), fs: new Map(), 'fs/promises': new Map() };
  const track = (mod: string | undefined): mod is keyof typeof modules => mod === 'child_process' || mod === 'fs' || mod === 'fs/promises';

  const bindRequire = (name: ts.BindingName, mod: keyof typeof modules) => {
    if (ts.isIdentifier(name)) modules[mod].add(name.text);
    else if (ts.isObjectBindingPattern(name))
      for (const el of name.elements) {
        if (!ts.isIdentifier(el.name)) continue;
        const imported = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
        if (mod === 'fs' && imported === 'promises') modules['fs/promises'].add(el.name.text);
        else functions[mod].set(el.name.text, imported);
      }
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const mod = moduleName(node.moduleSpecifier);
      const clause = node.importClause;
      if (track(mod) && clause) {
        if (clause.name) modules[mod].add(clause.name.text);
        const nb = clause.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) modules[mod].add(nb.name.text);
        if (nb && ts.isNamedImports(nb))
          for (const el of nb.elements) {
            const imported = (el.propertyName ?? el.name).text;
            if (mod === 'fs' && imported === 'promises') modules['fs/promises'].add(el.name.text);
            else functions[mod].set(el.name.text, imported);
          }
      }
    } else if (ts.isVariableDeclaration(node) && node.initializer) {
      const init = node.initializer;
      // const cp = require('child_process'); const { exec } = require('node:child_process')
      if (ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'require') {
        const mod = moduleName(init.arguments[0]);
        if (track(mod)) bindRequire(node.name, mod);
      }
      // const fsp = require('fs').promises
      if (ts.isPropertyAccessExpression(init) && init.name.text === 'promises' && ts.isCallExpression(init.expression)) {
        const call = init.expression;
        if (ts.isIdentifier(call.expression) && call.expression.text === 'require' && moduleName(call.arguments[0]) === 'fs') bindRequire(node.name, 'fs/promises');
      }
      // const run = promisify(exec): still a shell command runner
      if (ts.isIdentifier(node.name) && ts.isCallExpression(init) && /(?:^|\.)promisify$/.test(dottedName(init.expression) ?? '') && init.arguments[0]) {
        const arg = init.arguments[0];
        const fn = ts.isIdentifier(arg)
          ? functions.child_process.get(arg.text)
          : ts.isPropertyAccessExpression(arg) && ts.isIdentifier(arg.expression) && modules.child_process.has(arg.expression.text)
            ? arg.name.text
            : undefined;
        if (fn) functions.child_process.set(node.name.text, fn);
      }
      if (ts.isIdentifier(node.name) && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && hasAsync(init)) asyncFunctions.add(node.name.text);
    } else if (ts.isFunctionDeclaration(node) && node.name && hasAsync(node)) {
      asyncFunctions.add(node.name.text);
    } else if (ts.isMethodDeclaration(node) && hasAsync(node) && (ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name))) {
      asyncMethods.add(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return {
    asyncFunctions,
    asyncMethods,
    childProcessModules: modules.child_process,
    childProcessFunctions: functions.child_process,
    fsModules: modules.fs,
    fsFunctions: functions.fs,
    fsPromiseModules: modules['fs/promises'],
    fsPromiseFunctions: new Set(functions['fs/promises'].keys()),
  };
}

export function hasAsync(node: ts.Node): boolean {
  return !!ts.canHaveModifiers(node) && !!ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

/** A string literal or a template without holes: text fixed at the time the code was written. */
export function isStaticString(node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
}

/** Literal parts of a string built from pieces, `?` for each hole, or undefined when no part is a string. */
export function stringParts(node: ts.Node): { text: string; holes: ts.Expression[] } | undefined {
  if (isStaticString(node)) return { text: node.text, holes: [] };
  if (ts.isTemplateExpression(node)) {
    let text = node.head.text;
    const holes: ts.Expression[] = [];
    for (const span of node.templateSpans) {
      holes.push(span.expression);
      text += `?${span.literal.text}`;
    }
    return { text, holes };
  }
  if (ts.isParenthesizedExpression(node)) return stringParts(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = stringParts(node.left);
    const right = stringParts(node.right);
    if (!left && !right) return undefined;
    const l = left ?? { text: '?', holes: [node.left] };
    const r = right ?? { text: '?', holes: [node.right] };
    return { text: l.text + r.text, holes: [...l.holes, ...r.holes] };
  }
  return undefined;
}

/**
 * A hole that cannot carry text from outside: a number, a boolean, a nested constant string, or a
 * module constant by naming convention (`${BOSS_SCHEMA}.job`, `TABLE_NAME`).
 */
export function isInertHole(node: ts.Expression): boolean {
  if (ts.isIdentifier(node)) return /^[A-Z][A-Z0-9_]*$/.test(node.text) && node.text.length > 1;
  return ts.isNumericLiteral(node) || node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword || isStaticString(node);
}

// Several rules ask for the dotted name of the same call's callee one after another: a one-entry
// cache answers all but the first.
let lastNode: ts.Node | undefined;
let lastName: string | undefined;

/** `a.b.c` → `a.b.c`; `this.x` → `this.x`; anything else → undefined. */
export function dottedName(node: ts.Node): string | undefined {
  if (node === lastNode) return lastName;
  const name = computeDottedName(node);
  lastNode = node;
  lastName = name;
  return name;
}

function computeDottedName(node: ts.Node): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (node.kind === ts.SyntaxKind.ThisKeyword) return 'this';
  if (ts.isPropertyAccessExpression(node)) {
    const left = computeDottedName(node.expression);
    return left === undefined ? undefined : `${left}.${node.name.text}`;
  }
  return undefined;
}

/** The name a value is stored under: the variable, property or parameter it initialises. */
export function storageName(node: ts.Node): string | undefined {
  const p = node.parent;
  if (!p) return undefined;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isParameter(p)) && p.initializer === node) {
    return ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isPrivateIdentifier(p.name) ? p.name.text : undefined;
  }
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === node) {
    const n = p.left;
    if (ts.isIdentifier(n)) return n.text;
    if (ts.isPropertyAccessExpression(n)) return n.name.text;
    if (ts.isElementAccessExpression(n) && ts.isStringLiteral(n.argumentExpression)) return n.argumentExpression.text;
  }
  return undefined;
}

/** The name of the nearest named function around `node` (declaration, method, or `const f = () =>`). */
export function enclosingFunctionName(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name && (ts.isIdentifier(n.name) || ts.isPrivateIdentifier(n.name))) return n.name.text;
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && n.parent && ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
  }
  return undefined;
}

/** The function around `node`, else the variable or class its statement declares (top-level code). */
export function enclosingSymbol(node: ts.Node): string | undefined {
  const fn = enclosingFunctionName(node);
  if (fn) return fn;
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) return n.name.text;
    if (ts.isClassDeclaration(n) && n.name) return n.name.text;
  }
  return undefined;
}

export function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node);
}

/** Visits `node`'s subtree, not descending into nested functions (their code runs elsewhere). */
export function someInBody(node: ts.Node, pred: (n: ts.Node) => boolean): boolean {
  let found = false;
  const visit = (n: ts.Node) => {
    if (found) return;
    if (pred(n)) {
      found = true;
      return;
    }
    if (isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(node, visit);
  return found;
}

/**
 * Runs the rules over one parsed file in a single walk: each node goes only to the rules that
 * asked for its kind.
 */
export function runJsRules(sf: ts.SourceFile, rules: readonly JsRule[], report: (rule: JsRule, node: ts.Node, message?: string) => void): void {
  const byKind = new Map<ts.SyntaxKind, JsRule[]>();
  const tsFile = isTypeScriptFile(sf.fileName);
  for (const rule of rules) {
    if (rule.typescriptOnly && !tsFile) continue;
    for (const k of rule.kinds) byKind.set(k, [...(byKind.get(k) ?? []), rule]);
  }
  if (byKind.size === 0) return;
  let facts: JsFileFacts | undefined;
  const contexts = new Map<JsRule, JsRuleContext>();
  const ctxFor = (rule: JsRule): JsRuleContext => {
    let ctx = contexts.get(rule);
    if (!ctx) {
      ctx = {
        sf,
        get facts() {
          return (facts ??= fileFacts(sf));
        },
        report: (node, message) => report(rule, node, message),
      };
      contexts.set(rule, ctx);
    }
    return ctx;
  };
  const visit = (node: ts.Node): void => {
    const rs = byKind.get(node.kind);
    if (rs) for (const r of rs) r.check(node, ctxFor(r));
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
