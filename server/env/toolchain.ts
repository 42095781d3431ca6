/**
 * Toolchain wishes of a repository (`.nvmrc`, `engines.node`, `.python-version`,
 * `requires-python`, go.mod's `go` line, `rust-version`) compared with what the sandbox has, so
 * a mismatch reads "project wants Node 22 (.nvmrc), the sandbox has 20.20.2" instead of
 * surfacing later as a strange test failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import type { Sandbox } from '../../sandbox/types';

export const TOOLS = ['node', 'python', 'go', 'rust'] as const;
export type Tool = (typeof TOOLS)[number];

const LABEL: Record<Tool, string> = { node: 'Node', python: 'Python', go: 'Go', rust: 'Rust' };

export type ToolchainWish = { tool: Tool; wanted: string; source: string; kind: 'version' | 'range' };
/** Versions found in the sandbox (null: not installed). */
export type ToolchainProbe = Record<Tool, string | null>;

export type ToolchainCheck = ToolchainWish & { have: string | null; ok: boolean | null; message: string };

/** Node LTS code names as .nvmrc writes them (lts/iron) and their major versions. */
const NODE_LTS: Record<string, number> = { argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24 };

function read(dir: string, rel: string): string | null {
  const p = join(dir, rel);
  if (!existsSync(p)) return null;
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}

/** The wishes a repository states; files that say nothing usable are skipped. */
export function readToolchainWishes(dir: string): ToolchainWish[] {
  const out: ToolchainWish[] = [];
  for (const f of ['.nvmrc', '.node-version']) {
    const v = read(dir, f)?.split('\n')[0]?.trim();
    if (!v) continue;
    const lts = /^lts\/(\w+)$/i.exec(v)?.[1]?.toLowerCase();
    if (lts && NODE_LTS[lts]) out.push({ tool: 'node', wanted: String(NODE_LTS[lts]), source: f, kind: 'version' });
    else if (/^v?\d+(\.\d+){0,2}$/.test(v)) out.push({ tool: 'node', wanted: v.replace(/^v/, ''), source: f, kind: 'version' });
  }
  const pkg = read(dir, 'package.json');
  if (pkg) {
    try {
      const engines = (JSON.parse(pkg) as { engines?: { node?: unknown } }).engines;
      if (typeof engines?.node === 'string' && semver.validRange(engines.node)) out.push({ tool: 'node', wanted: engines.node, source: 'package.json engines.node', kind: 'range' });
    } catch {
      /* a broken package.json is the installer's to report */
    }
  }
  const pyv = read(dir, '.python-version')?.split('\n')[0]?.trim();
  if (pyv && /^\d+(\.\d+){0,2}$/.test(pyv)) out.push({ tool: 'python', wanted: pyv, source: '.python-version', kind: 'version' });
  const pyproject = read(dir, 'pyproject.toml');
  const requires = pyproject ? /^\s*requires-python\s*=\s*["']([^"']+)["']/m.exec(pyproject)?.[1] : undefined;
  if (requires) out.push({ tool: 'python', wanted: requires, source: 'pyproject.toml requires-python', kind: 'range' });
  const gomod = read(dir, 'go.mod');
  const goLine = gomod ? /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(gomod)?.[1] : undefined;
  if (goLine) out.push({ tool: 'go', wanted: `>=${goLine}`, source: 'go.mod go line', kind: 'range' });
  const cargo = read(dir, 'Cargo.toml');
  const rustVersion = cargo ? /^\s*rust-version\s*=\s*"(\d+\.\d+(?:\.\d+)?)"/m.exec(cargo)?.[1] : undefined;
  if (rustVersion) out.push({ tool: 'rust', wanted: `>=${rustVersion}`, source: 'Cargo.toml rust-version', kind: 'range' });
  return out;
}

/** "3.12" → "3.12.0"; keeps what semver can compare. */
function loose(v: string): string | null {
  return semver.coerce(v)?.version ?? null;
}

/** Python's specifiers (PEP 440: ">=3.10,<4", "~=3.11", "==3.12.*") as a semver range. */
export function pep440ToSemver(spec: string): string | null {
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of parts) {
    const m = /^(~=|===|==|!=|>=|<=|>|<)\s*(\d+(?:\.\d+){0,2})(\.\*)?$/.exec(p);
    if (!m) return null;
    const [, op, ver, star] = m;
    const v = loose(ver);
    if (!v) return null;
    if (op === '~=') {
      const segs = ver.split('.');
      out.push(segs.length >= 3 ? `~${v}` : `^${v}`);
    } else if (op === '==' || op === '===') out.push(star ? `${ver}.x` : v);
    else if (op === '!=') out.push(star ? `<${ver} || >=${semver.inc(v, ver.split('.').length === 1 ? 'major' : 'minor')}` : `<${v} || >${v}`);
    else out.push(`${op}${v}`);
  }
  const range = out.join(' ');
  return semver.validRange(range) ? range : null;
}

/** Compare one wish with the probe; ok null means it could not be judged. */
function check(w: ToolchainWish, probe: ToolchainProbe): ToolchainCheck {
  const have = probe[w.tool];
  const label = LABEL[w.tool];
  const wantedText = w.kind === 'version' ? `${label} ${w.wanted}` : `${label} ${w.wanted}`;
  if (!have) return { ...w, have, ok: false, message: `project wants ${wantedText} (${w.source}), the sandbox has no ${label}` };
  const h = loose(have);
  if (!h) return { ...w, have, ok: null, message: `project wants ${wantedText} (${w.source}); the sandbox's ${label} version "${have}" could not be read` };
  let ok: boolean | null;
  if (w.kind === 'version') {
    // A version file names the release line people develop on: compare as far as it goes.
    const want = w.wanted.split('.');
    const got = h.split('.');
    ok = want.every((seg, i) => seg === got[i]);
    if (w.tool === 'node' && want.length > 1) ok = want[0] === got[0]; // nvm pins patch releases; the major decides
  } else {
    const range = w.tool === 'python' ? pep440ToSemver(w.wanted) : w.wanted;
    ok = range ? semver.satisfies(h, range) : null;
  }
  const message =
    ok === true
      ? `${label} ${have} satisfies ${w.wanted} (${w.source})`
      : ok === false
        ? `project wants ${wantedText} (${w.source}), the sandbox has ${have}`
        : `project wants ${wantedText} (${w.source}); could not compare with the sandbox's ${have}`;
  return { ...w, have, ok, message };
}

export function compareToolchain(wishes: readonly ToolchainWish[], probe: ToolchainProbe): ToolchainCheck[] {
  return wishes.map((w) => check(w, probe));
}

/** The mismatches worth a line in a run's log or on the project page. */
export function toolchainProblems(checks: readonly ToolchainCheck[]): string[] {
  return checks.filter((c) => c.ok === false).map((c) => c.message);
}

const PROBE_SCRIPT = [
  'printf "node=%s\\n" "$(node --version 2>/dev/null)"',
  'printf "python=%s\\n" "$(python3 --version 2>&1 | grep -o "[0-9][0-9.]*" | head -1)"',
  'printf "go=%s\\n" "$(go version 2>/dev/null | grep -o "go[0-9][0-9.]*" | head -1 | cut -c3-)"',
  'printf "rust=%s\\n" "$(rustc --version 2>/dev/null | grep -o "[0-9][0-9.]*" | head -1)"',
].join('; ');

/** Parses the probe's `tool=version` lines. */
export function parseProbe(stdout: string): ToolchainProbe {
  const probe: ToolchainProbe = { node: null, python: null, go: null, rust: null };
  for (const line of stdout.split('\n')) {
    const m = /^(node|python|go|rust)=v?(\S*)$/.exec(line.trim());
    if (m && m[2]) probe[m[1] as Tool] = m[2];
  }
  return probe;
}

/** Asks the sandbox itself (its image may differ from the host) which toolchains it has. */
export async function probeToolchain(sandbox: Sandbox): Promise<ToolchainProbe> {
  const r = await sandbox.exec(['sh', '-c', PROBE_SCRIPT], { timeoutMs: 30_000 });
  return parseProbe(r.stdout);
}
