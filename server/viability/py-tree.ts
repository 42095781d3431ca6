import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import type { RuleInfo } from './types';

/** A rule over tree-sitter-python's syntax tree. */
export type PyRule = RuleInfo & {
  language: 'python';
  /** Named node types `check` wants to see (`call`, `except_clause`, …). */
  types: readonly string[];
  check(node: Node, ctx: PyRuleContext): void;
};

export type PyRuleContext = {
  /** The file's path relative to the scanned root. */
  file: string;
  /** Local name → what it was imported as: `sp` → `subprocess`, `load` → `yaml.load`. */
  imports: ReadonlyMap<string, string>;
  report(node: Node, message?: string): void;
};

export const PY_EXTENSIONS = ['.py', '.pyw'];

const require = createRequire(import.meta.url);
let parserPromise: Promise<Parser> | undefined;

/**
 * The Python parser: web-tree-sitter's runtime with the grammar from the `tree-sitter-python`
 * package, both WebAssembly, loaded once per process. Resolved through the package files so it
 * works the same under tsx, Vitest and a bundled server.
 */
export function pythonParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    const runtime = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtime });
    const language = await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  parserPromise.catch(() => (parserPromise = undefined));
  return parserPromise;
}

export type PyParse = { ok: true; tree: Tree } | { ok: false; line: number; message: string };

/** Parses Python source; a tree with syntax errors is reported at its first error and freed. */
export async function parsePython(text: string): Promise<PyParse> {
  const parser = await pythonParser();
  const tree = parser.parse(text);
  if (!tree) return { ok: false, line: 1, message: 'the Python parser gave up on this file' };
  if (!tree.rootNode.hasError) return { ok: true, tree };
  const bad = firstError(tree.rootNode);
  // Read everything from the node before the tree is freed: nodes point into its memory.
  const line = (bad?.startPosition.row ?? 0) + 1;
  const message = bad?.isMissing ? `syntax error: missing "${bad.type}"` : `syntax error near "${(bad?.text ?? '').split('\n')[0].slice(0, 40)}"`;
  tree.delete();
  return { ok: false, line, message };
}

function firstError(node: Node): Node | undefined {
  if (node.type === 'ERROR' || node.isMissing) return node;
  for (const child of node.children) {
    if (child && (child.hasError || child.isMissing || child.type === 'ERROR')) return firstError(child) ?? child;
  }
  return undefined;
}

/** `import subprocess as sp`, `from yaml import load` → the local-name map the rules resolve calls with. */
function collectImports(root: Node): Map<string, string> {
  const out = new Map<string, string>();
  for (const stmt of root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    if (!stmt) continue;
    if (stmt.type === 'import_statement') {
      for (const name of stmt.childrenForFieldName('name')) {
        if (!name) continue;
        if (name.type === 'aliased_import') {
          const dotted = name.childForFieldName('name')?.text;
          const alias = name.childForFieldName('alias')?.text;
          if (dotted && alias) out.set(alias, dotted);
        } else out.set(name.text.split('.')[0], name.text.split('.')[0]);
      }
    } else {
      const mod = stmt.childForFieldName('module_name')?.text;
      if (!mod) continue;
      for (const name of stmt.childrenForFieldName('name')) {
        if (!name) continue;
        if (name.type === 'aliased_import') {
          const orig = name.childForFieldName('name')?.text;
          const alias = name.childForFieldName('alias')?.text;
          if (orig && alias) out.set(alias, `${mod}.${orig}`);
        } else out.set(name.text, `${mod}.${name.text}`);
      }
    }
  }
  return out;
}

/** The dotted name a call's function resolves to through the imports: `sp.run` → `subprocess.run`. */
export function qualifiedName(node: Node | null, imports: ReadonlyMap<string, string>): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return imports.get(node.text) ?? node.text;
  if (node.type === 'attribute') {
    const object = qualifiedName(node.childForFieldName('object'), imports);
    const attr = node.childForFieldName('attribute')?.text;
    return object && attr ? `${object}.${attr}` : undefined;
  }
  return undefined;
}

/** The last name of a call's function: `run` for `subprocess.run`, `execute` for `cur.execute`. */
export function calleeTail(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type === 'identifier') return fn.text;
  if (fn?.type === 'attribute') return fn.childForFieldName('attribute')?.text;
  return undefined;
}

export function positionalArgs(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  return args.namedChildren.filter((n): n is Node => !!n && n.type !== 'keyword_argument' && n.type !== 'comment' && n.type !== 'list_splat' && n.type !== 'dictionary_splat');
}

export function keywordArg(call: Node, name: string): Node | undefined {
  const args = call.childForFieldName('arguments');
  for (const kw of args?.namedChildren ?? []) {
    if (kw?.type === 'keyword_argument' && kw.childForFieldName('name')?.text === name) return kw.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

/** Literal text of a string node (`?` for each `{…}` hole) and whether it has holes. */
export function stringContent(node: Node): { text: string; interpolated: boolean } {
  let text = '';
  let interpolated = false;
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'string_content' || c.type === 'escape_sequence') text += c.text;
    else if (c.type === 'interpolation') {
      text += '?';
      interpolated = true;
    }
  }
  return { text, interpolated };
}

/** `concatenated_string` ("a" "b") and `string` both count as string literals. */
export function isStringNode(node: Node | null | undefined): node is Node {
  return !!node && (node.type === 'string' || node.type === 'concatenated_string');
}

/**
 * A string built at run time from values: an f-string with holes, `"…" % x`, `"…" + x`,
 * `"…".format(x)`. Returns the literal parts (holes as `?`), or undefined for anything else.
 */
export function builtString(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'parenthesized_expression') return builtString(node.namedChildren[0]);
  if (node.type === 'string') {
    const c = stringContent(node);
    return c.interpolated ? c.text : undefined;
  }
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.filter((c): c is Node => !!c && c.type === 'string').map(stringContent);
    return parts.some((p) => p.interpolated) ? parts.map((p) => p.text).join('') : undefined;
  }
  if (node.type === 'binary_operator') {
    const op = node.childForFieldName('operator')?.type;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (op === '%' && isStringNode(left)) return literalText(left);
    if (op === '+' && (isStringNode(left) || isStringNode(right) || builtString(left) !== undefined || builtString(right) !== undefined)) {
      return `${literalText(left) ?? builtString(left) ?? '?'}${literalText(right) ?? builtString(right) ?? '?'}`;
    }
    return undefined;
  }
  if (node.type === 'call') {
    const fn = node.childForFieldName('function');
    if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'format' && isStringNode(fn.childForFieldName('object'))) return literalText(fn.childForFieldName('object'));
  }
  return undefined;
}

function literalText(node: Node | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string') return stringContent(node).text;
  if (node.type === 'concatenated_string') return node.namedChildren.filter((c): c is Node => !!c && c.type === 'string').map((c) => stringContent(c).text).join('');
  return undefined;
}

/** The nearest enclosing `def` (or lambda) of a node. */
export function enclosingFunction(node: Node): Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'function_definition' || n.type === 'lambda') return n;
  return undefined;
}

export function isAsyncFunction(fn: Node | undefined): boolean {
  return !!fn && fn.type === 'function_definition' && fn.children.some((c) => c?.type === 'async');
}

/** Runs the rules over one parsed tree: each node of a wanted type goes to the rules that asked for it. */
export function runPyRules(tree: Tree, file: string, rules: readonly PyRule[], report: (rule: PyRule, node: Node, message?: string) => void): void {
  const byType = new Map<string, PyRule[]>();
  for (const r of rules) for (const t of r.types) byType.set(t, [...(byType.get(t) ?? []), r]);
  if (byType.size === 0) return;
  let imports: Map<string, string> | undefined;
  const ctxs = new Map<PyRule, PyRuleContext>();
  const ctxFor = (rule: PyRule): PyRuleContext => {
    let c = ctxs.get(rule);
    if (!c) {
      c = {
        file,
        get imports() {
          return (imports ??= collectImports(tree.rootNode));
        },
        report: (node, message) => report(rule, node, message),
      };
      ctxs.set(rule, c);
    }
    return c;
  };
  // One call into the parser for every node of the wanted types: much cheaper than stepping a
  // cursor across the WebAssembly boundary node by node.
  for (const node of tree.rootNode.descendantsOfType([...byType.keys()])) {
    if (!node) continue;
    for (const r of byType.get(node.type) ?? []) r.check(node, ctxFor(r));
  }
}
