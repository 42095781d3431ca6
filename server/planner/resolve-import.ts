import { goModulePath, languageOf, scanGoImports, scanJsImports, scanPythonImports } from './import-scan';
import { normalizePath } from './types';

/**
 * Resolves the imports of one file to the *changed* files they reach. Resolution is against the
 * set of files some task changes (not the whole disk): that is all the planner needs, and it keeps
 * this pure and fast. Packages (bare specifiers, stdlib, third-party Go modules) resolve to nothing.
 */
export type ChangedFiles = {
  has(path: string): boolean;
  /** Changed files directly inside a directory (Go imports a package = a directory). */
  inDir(dir: string): readonly string[];
};

export function buildChangedFiles(paths: Iterable<string>): ChangedFiles {
  const set = new Set<string>();
  const byDir = new Map<string, string[]>();
  for (const raw of paths) {
    const p = normalizePath(raw);
    if (set.has(p)) continue;
    set.add(p);
    const dir = dirname(p);
    let list = byDir.get(dir);
    if (!list) byDir.set(dir, (list = []));
    list.push(p);
  }
  return { has: (p) => set.has(p), inDir: (d) => byDir.get(d) ?? [] };
}

export type ResolveContext = { changed: ChangedFiles; goModule?: string };

/** Changed files that `file` (repo-relative) imports, given its source text. */
export function resolveImports(file: string, source: string, ctx: ResolveContext): string[] {
  const path = normalizePath(file);
  const found = new Set<string>();
  // Candidates arrive normalised (each base is normalised once, extensions appended after).
  const add = (candidate: string) => {
    if (candidate !== path && ctx.changed.has(candidate)) found.add(candidate);
  };
  switch (languageOf(path)) {
    case 'js':
      for (const spec of scanJsImports(source)) for (const c of jsCandidates(path, spec)) add(c);
      break;
    case 'python':
      for (const c of pythonCandidates(path, source)) add(c);
      break;
    case 'go':
      for (const spec of scanGoImports(source)) {
        const dir = goPackageDir(path, spec, ctx.goModule);
        if (dir === undefined) continue;
        for (const f of ctx.changed.inDir(dir)) if (f.endsWith('.go') && !f.endsWith('_test.go')) add(f);
      }
      break;
    default:
      break;
  }
  return [...found];
}

export { goModulePath };

const JS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.d.ts'];
// ESM TypeScript imports `./x.js` while the file on disk is `./x.ts`.
const JS_TO_TS: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

function jsCandidates(file: string, spec: string): string[] {
  if (!spec.startsWith('.') && !spec.startsWith('/')) return []; // a package; path aliases are not followed
  const base = normalizePath(spec.startsWith('/') ? spec : `${dirname(file)}/${spec}`);
  const out = [base];
  const ext = /\.[cm]?jsx?$/.exec(base)?.[0];
  if (ext) for (const swap of JS_TO_TS[ext] ?? []) out.push(base.slice(0, -ext.length) + swap);
  for (const e of JS_EXTENSIONS) out.push(base + e, `${base}/index${e}`);
  return out;
}

function pythonCandidates(file: string, source: string): string[] {
  const out: string[] = [];
  const fileDir = dirname(file);
  const moduleFiles = (base: string) => [`${base}.py`, `${base}/__init__.py`, `${base}.pyi`];
  for (const imp of scanPythonImports(source)) {
    const modPath = imp.module.replace(/\./g, '/');
    // Relative imports start at the file's package; absolute ones may start at any ancestor
    // directory (src layouts, monorepo sub-projects) or the repo root.
    const roots = imp.dots > 0 ? [ancestor(fileDir, imp.dots - 1)] : [...ancestors(fileDir), ''];
    for (const root of roots) {
      const base = normalizePath([root, modPath].filter(Boolean).join('/'));
      if (modPath) out.push(...moduleFiles(base));
      // `from pkg import name` may name a submodule pkg/name.py.
      for (const name of imp.names) out.push(...moduleFiles(base ? `${base}/${name}` : name));
    }
  }
  return out;
}

function goPackageDir(file: string, spec: string, goModule: string | undefined): string | undefined {
  if (spec.startsWith('./') || spec.startsWith('../')) return normalizePath(`${dirname(file)}/${spec}`);
  if (!goModule) return undefined;
  if (spec === goModule) return '';
  if (spec.startsWith(`${goModule}/`)) return spec.slice(goModule.length + 1);
  return undefined; // stdlib or another module
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function ancestor(dir: string, levels: number): string {
  let d = dir;
  for (let i = 0; i < levels; i++) d = dirname(d);
  return d;
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d; d = dirname(d)) out.push(d);
  return out;
}
