import ts from 'typescript';

/** Languages whose imports the planner reads. Anything else contributes no code-graph edges. */
export const IMPORT_LANGUAGES = { js: 'js', python: 'python', go: 'go' } as const;
export type ImportLanguage = (typeof IMPORT_LANGUAGES)[keyof typeof IMPORT_LANGUAGES];

const JS_EXT_RE = /\.(?:[cm]?[jt]sx?)$/i;

export function languageOf(path: string): ImportLanguage | undefined {
  if (JS_EXT_RE.test(path)) return IMPORT_LANGUAGES.js;
  if (/\.pyi?$/i.test(path)) return IMPORT_LANGUAGES.python;
  if (/\.go$/i.test(path)) return IMPORT_LANGUAGES.go;
  return undefined;
}

/**
 * TypeScript/JavaScript module specifiers through the compiler's pre-processor (`ts.preProcessFile`):
 * a scanner, not a parser, so it is fast and tolerant of code that does not type-check. Covers
 * `import`, `export … from`, `import()`, `require()` and type-only imports.
 */
export function scanJsImports(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** One Python import: `dots` > 0 for relative imports (`from ..pkg import x` → dots 2, module "pkg"). */
export type PythonImport = { dots: number; module: string; names: string[] };

const PY_FROM_RE = /^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)/gm;
const PY_IMPORT_RE = /^[ \t]*import[ \t]+([^\n#]+)/gm;

/** Python `import a.b`, `import a as b, c`, `from .m import x`, `from pkg import (a, b)`. Strings and comments are not parsed; a stray match only adds a candidate that must still resolve to a changed file. */
export function scanPythonImports(source: string): PythonImport[] {
  const out: PythonImport[] = [];
  for (const m of source.matchAll(PY_FROM_RE)) {
    const names = m[3].replace(/[()\\]/g, ' ').split(',').map((n) => n.trim().split(/\s+/)[0]).filter((n) => n && n !== '*');
    out.push({ dots: m[1].length, module: m[2], names });
  }
  for (const m of source.matchAll(PY_IMPORT_RE)) {
    for (const part of m[1].split(',')) {
      const module = part.trim().split(/\s+/)[0];
      if (module && /^[\w.]+$/.test(module)) out.push({ dots: 0, module, names: [] });
    }
  }
  return out;
}

const GO_IMPORT_BLOCK_RE = /^import[ \t]*\(([\s\S]*?)\)/gm;
const GO_IMPORT_LINE_RE = /^import[ \t]+(?:[\w.]+[ \t]+)?"([^"]+)"/gm;
const GO_QUOTED_RE = /"([^"]+)"/g;

/** Go import paths from `import "x"` and `import ( … )` blocks (aliases and dot/underscore imports included). */
export function scanGoImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(GO_IMPORT_BLOCK_RE)) for (const q of m[1].matchAll(GO_QUOTED_RE)) out.push(q[1]);
  for (const m of source.matchAll(GO_IMPORT_LINE_RE)) out.push(m[1]);
  return out;
}

/** The Go module path declared in a go.mod file. */
export function goModulePath(goMod: string): string | undefined {
  return /^module[ \t]+"?([^\s"]+)"?/m.exec(goMod)?.[1];
}
