import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type ts from 'typescript';
import type { Node } from 'web-tree-sitter';
import { JS_RULES, PY_RULES, RULES, type Rule } from './catalogue';
import { isBinary, languageOf, listCodeFiles, looksMinified } from './files';
import { clipSnippet } from './heuristics';
import { enclosingSymbol, parseJs, runJsRules, type JsRule } from './js-tree';
import { enclosingFunction, parsePython, runPyRules, type PyRule } from './py-tree';
import { SEVERITY_RANK, type Finding, type ScanProblem, type ScanResult } from './types';

/** Files above this size are reported and skipped: generated code, data, bundles. */
export const MAX_FILE_BYTES = 1024 * 1024;

export type ScanOptions = {
  /** Only these rule ids (default: the whole catalogue). Unknown ids are an error. */
  rules?: readonly string[];
  /** Only these files (relative to the root); default every code file of the repository. */
  files?: readonly string[];
  /** Called between files so a long scan yields to the event loop in a server process. */
  yieldEvery?: number;
};

export class UnknownRuleError extends Error {
  constructor(readonly unknown: string[]) {
    super(`unknown rule ${unknown.map((r) => `"${r}"`).join(', ')}; rules are: ${RULES.map((r) => r.id).join(', ')}`);
    this.name = 'UnknownRuleError';
  }
}

export function selectRules(ids?: readonly string[]): Rule[] {
  if (!ids || ids.length === 0) return [...RULES];
  const unknown = ids.filter((id) => !RULES.some((r) => r.id === id));
  if (unknown.length) throw new UnknownRuleError(unknown);
  return RULES.filter((r) => ids.includes(r.id));
}

export type SourceScan = { findings: Finding[]; problem?: ScanProblem };

/**
 * Scans one file's text with the given rules. A file that does not parse yields a problem and no
 * findings: rules on a broken tree would point at the wrong code.
 *
 * @example await scanSource('src/db.ts', text, selectRules(['js/sql-concat']))
 */
export async function scanSource(file: string, text: string, rules: readonly Rule[] = RULES): Promise<SourceScan> {
  const language = languageOf(file);
  if (!language) return { findings: [] };
  const lines = text.split('\n');
  const out: Finding[] = [];
  const seen = new Set<string>();
  /** The line as a finding quotes it; a secret's literal (`raw`, quotes included) is replaced. */
  const snippetOf = (line: number, raw: string | undefined) => {
    const text = lines[line - 1] ?? '';
    if (raw === undefined) return clipSnippet(text);
    if (!raw) return '<line with a secret value, redacted>';
    const m = /^([A-Za-z]*)('''|"""|['"`])[\s\S]*$/.exec(raw);
    const open = m ? `${m[1]}${m[2]}` : '';
    const close = m ? m[2] : '';
    // A literal spanning lines is not on this line whole: quote nothing of the line then.
    return text.includes(raw) ? clipSnippet(text.replace(raw, `${open}<redacted>${close}`)) : '<line with a secret value, redacted>';
  };
  const add = (rule: Rule, line: number, message: string | undefined, symbol: string | undefined, secretRaw?: string) => {
    const key = `${rule.id}:${line}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ rule: rule.id, file, line, message: message ?? rule.message, instead: rule.instead, severity: rule.severity, snippet: snippetOf(line, rule.redactsValue ? (secretRaw ?? '') : undefined), ...(symbol ? { symbol } : {}) });
  };
  if (language === 'js') {
    const jsRules = rules.filter((r): r is JsRule => r.language === 'js');
    if (jsRules.length === 0) return { findings: [] };
    const parsed = parseJs(file, text);
    if (!parsed.ok) return { findings: [], problem: { file, kind: 'parse-error', line: parsed.line, message: `does not parse as JavaScript/TypeScript: ${parsed.message}` } };
    const sf = parsed.sf;
    runJsRules(sf, jsRules, (rule, node: ts.Node, message) => add(rule, sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, message, enclosingSymbol(node), rule.redactsValue ? node.getText(sf) : undefined));
  } else {
    const pyRules = rules.filter((r): r is PyRule => r.language === 'python');
    if (pyRules.length === 0) return { findings: [] };
    const parsed = await parsePython(text);
    if (!parsed.ok) return { findings: [], problem: { file, kind: 'parse-error', line: parsed.line, message: `does not parse as Python: ${parsed.message}` } };
    try {
      runPyRules(parsed.tree, file, pyRules, (rule, node: Node, message) => add(rule, node.startPosition.row + 1, message, enclosingFunction(node)?.childForFieldName('name')?.text, rule.redactsValue ? node.text : undefined));
    } finally {
      parsed.tree.delete();
    }
  }
  return { findings: out.sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule)) };
}

/**
 * Scans a repository (or the listed files of it) with the catalogue. Files that are binary, too
 * large, minified or do not parse are reported in `problems`; the scan goes on.
 */
export async function scanRepository(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const rules = selectRules(options.rules);
  const files = options.files ? options.files.filter((f) => languageOf(f) !== undefined) : await listCodeFiles(root);
  const findings: Finding[] = [];
  const problems: ScanProblem[] = [];
  let filesScanned = 0;
  const yieldEvery = options.yieldEvery ?? 0;
  for (const [i, file] of files.entries()) {
    if (yieldEvery && i > 0 && i % yieldEvery === 0) await new Promise<void>((r) => setImmediate(r));
    const abs = path.join(root, file);
    let buf: Buffer;
    try {
      const st = await stat(abs);
      if (!st.isFile()) continue;
      if (st.size > MAX_FILE_BYTES) {
        problems.push({ file, kind: 'too-large', message: `skipped: ${st.size} bytes is over the ${MAX_FILE_BYTES}-byte limit for a source file` });
        continue;
      }
      buf = await readFile(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A file git lists but the work tree lacks (deleted, not committed) is simply not there to scan.
      if (code !== 'ENOENT') problems.push({ file, kind: 'unreadable', message: `cannot read: ${code ?? (err as Error).message}` });
      continue;
    }
    if (isBinary(buf)) {
      problems.push({ file, kind: 'binary', message: 'skipped: binary content (NUL bytes) in a file with a source extension' });
      continue;
    }
    const text = buf.toString('utf8');
    if (looksMinified(text)) {
      problems.push({ file, kind: 'minified', message: 'skipped: minified or generated (very long lines)' });
      continue;
    }
    const r = await scanSource(file, text, rules);
    filesScanned++;
    if (r.problem) problems.push(r.problem);
    findings.push(...r.findings);
  }
  return { findings, rulesChecked: rules.length, filesScanned, problems };
}

/** Findings most severe first, then by file and line: the order prompts and specs list them in. */
export function bySeverity(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.file.localeCompare(b.file) || a.line - b.line;
}

export { JS_RULES, PY_RULES };
