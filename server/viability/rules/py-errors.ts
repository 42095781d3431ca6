import type { Node } from 'web-tree-sitter';
import type { PyRule } from '../py-tree';

const BROAD = new Set(['Exception', 'BaseException', 'builtins.Exception']);

/** The exception type of an `except` clause and its `as` name, whatever the grammar nests them in. */
function clauseParts(clause: Node): { types: Node | undefined; alias: string | undefined; body: Node | undefined } {
  const body = clause.namedChildren.find((c): c is Node => c?.type === 'block');
  const value = clause.childForFieldName('value') ?? clause.namedChildren.find((c): c is Node => !!c && c.type !== 'block' && c.type !== 'comment') ?? null;
  if (value?.type === 'as_pattern') {
    const target = value.childForFieldName('alias');
    return { types: value.namedChildren[0] ?? undefined, alias: target?.text, body };
  }
  return { types: value ?? undefined, alias: undefined, body };
}

function isBroad(types: Node | undefined): boolean {
  if (!types) return true;
  const names = types.type === 'tuple' || types.type === 'parenthesized_expression' ? types.namedChildren.map((c) => c?.text ?? '') : [types.text];
  return names.some((n) => BROAD.has(n));
}

/** Calls that record or hand on an error: logging, tracebacks, error trackers. */
const HANDOFF_RE = /(?:^|\.)(?:exception|error|warning|warn|critical|fatal|log|info|debug|print_exc|format_exc|capture_exception|captureException|report)$/;

function handles(body: Node, alias: string | undefined): boolean {
  for (const n of body.descendantsOfType(['raise_statement', 'identifier', 'call'])) {
    if (!n) continue;
    if (n.type === 'raise_statement') return true;
    if (n.type === 'identifier' && alias && n.text === alias) return true;
    if (n.type === 'call' && HANDOFF_RE.test(n.childForFieldName('function')?.text ?? '')) return true;
  }
  return false;
}

export const pyBareExcept: PyRule = {
  id: 'py/bare-except',
  category: 'errors',
  language: 'python',
  severity: 'high',
  title: 'Bare `except:`',
  message: 'A bare `except:` also catches `KeyboardInterrupt`, `SystemExit` and every bug in the `try` block.',
  instead: 'Catch the exceptions you expect — `except (KeyError, ValueError) as err:` — and let the rest propagate; at a top level use `except Exception: log.exception("…"); raise`.',
  types: ['except_clause'],
  check(node, ctx) {
    if (!clauseParts(node).types) ctx.report(node);
  },
};

export const pySwallowExcept: PyRule = {
  id: 'py/swallow-except',
  category: 'errors',
  language: 'python',
  severity: 'high',
  title: 'Catch-all `except` that discards the error',
  message: 'A catch-all `except` that neither logs, uses nor re-raises the error hides every failure in the `try` block.',
  instead: 'Catch the specific exception you expect; otherwise record and re-raise: `except Exception: log.exception("sync failed"); raise`.',
  types: ['except_clause'],
  check(node, ctx) {
    const { types, alias, body } = clauseParts(node);
    if (!body || !isBroad(types)) return;
    if (!handles(body, alias)) ctx.report(node);
  },
};
