import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRIES, effectiveAllowList, isAllowed, parseAllowEntry } from './allow-list';
import { computeCacheKey, findDependencyDirs } from './cache';
import { detectSetup } from './detect';
import { compareToolchain, parseProbe, pep440ToSemver, readToolchainWishes, toolchainProblems } from './toolchain';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ns-detect-'));
  roots.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const PKG = JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { ms: '2.1.3' } });

describe('detectSetup', () => {
  it('picks the installer from the lockfile', () => {
    expect(detectSetup(repo({ 'package.json': PKG, 'package-lock.json': '{}' })).display).toBe('npm ci --no-audit --no-fund');
    expect(detectSetup(repo({ 'package.json': PKG })).display).toBe('npm install --no-audit --no-fund');
    expect(detectSetup(repo({ 'package.json': PKG, 'pnpm-lock.yaml': '' })).display).toBe('pnpm install --frozen-lockfile');
    expect(detectSetup(repo({ 'package.json': PKG, 'yarn.lock': '' })).display).toBe('yarn install --frozen-lockfile');
    expect(detectSetup(repo({ 'package.json': PKG, 'yarn.lock': '', '.yarnrc.yml': '' })).display).toBe('yarn install --immutable');
    expect(detectSetup(repo({ 'package.json': PKG, 'bun.lockb': '' })).display).toBe('bun install --frozen-lockfile');
    expect(detectSetup(repo({ 'uv.lock': '', 'pyproject.toml': '[project]\nname="a"\n' })).display).toBe('uv sync --frozen');
    expect(detectSetup(repo({ 'poetry.lock': '', 'pyproject.toml': '[tool.poetry]\n' })).display).toBe('poetry install');
    expect(detectSetup(repo({ 'requirements.txt': 'ms\n', 'requirements-dev.txt': 'x\n' })).display).toBe(
      'python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt -r requirements.txt',
    );
    expect(detectSetup(repo({ 'pyproject.toml': '[project]\nname="a"\n[project.optional-dependencies]\ntest = ["pytest"]\ndocs = ["x"]\n' })).display).toBe(
      "python3 -m venv .venv && .venv/bin/pip install -e '.[test]'",
    );
    expect(detectSetup(repo({ 'go.mod': 'module x\n\ngo 1.22\n', 'go.sum': '' })).display).toBe('go mod download');
    expect(detectSetup(repo({ 'Cargo.toml': '[package]\n', 'Cargo.lock': '' })).display).toBe('cargo fetch --locked');
  });

  it('installs into a project-local virtualenv and keeps Go/Cargo caches outside the workspace', () => {
    const py = detectSetup(repo({ 'requirements.txt': 'ms\n' }));
    expect(py.pathPrepend).toEqual(['/workspace/.venv/bin']);
    expect(py.taskEnv).toMatchObject({ VIRTUAL_ENV: '/workspace/.venv', PIP_NO_INDEX: '1' });
    const go = detectSetup(repo({ 'go.mod': 'module x\n' }));
    expect(go.outside).toEqual([{ name: 'go-mod', target: '/deps/go-mod' }]);
    expect(go.taskEnv).toMatchObject({ GOPROXY: 'off', GOMODCACHE: '/deps/go-mod' });
    // A vendored Go module needs no download.
    expect(detectSetup(repo({ 'go.mod': 'module x\n', 'vendor/modules.txt': '' })).source).toBe('none');
  });

  it('lets a committed .nightshift/setup.sh win over the project setting, which wins over detection', () => {
    const both = repo({ 'package.json': PKG, '.nightshift/setup.sh': 'npm ci\n' });
    const s = detectSetup(both, { setupCommand: 'make deps' });
    expect(s).toMatchObject({ source: 'script', display: 'sh .nightshift/setup.sh', stacks: ['npm'] });
    expect(s.keyFiles).toContain('.nightshift/setup.sh');
    expect(detectSetup(repo({ 'package.json': PKG }), { setupCommand: 'make deps' })).toMatchObject({ source: 'settings', command: 'make deps', stacks: ['npm'] });
  });

  it('says once why nothing is installed when no stack is recognisable', () => {
    const plan = detectSetup(repo({ 'README.md': 'hi', 'main.c': 'int main(){}' }));
    expect(plan.source).toBe('none');
    expect(plan.command).toBeNull();
    expect(plan.reason).toMatch(/no recognisable stack/);
  });

  it('keys the cache on the files that decide the install', () => {
    const dir = repo({ 'package.json': PKG, 'package-lock.json': '{"a":1}', 'packages/a/package.json': '{}', 'src/index.js': 'x' });
    const plan = detectSetup(dir);
    expect(plan.keyFiles).toEqual(['package-lock.json', 'package.json', 'packages/a/package.json']);
    const probe = parseProbe('node=v20.20.2\npython=3.11.2\ngo=\nrust=\n');
    const k1 = computeCacheKey(plan, dir, { probe });
    writeFileSync(join(dir, 'src/index.js'), 'changed source, same dependencies');
    expect(computeCacheKey(plan, dir, { probe })).toBe(k1);
    writeFileSync(join(dir, 'package-lock.json'), '{"a":2}');
    expect(computeCacheKey(plan, dir, { probe })).not.toBe(k1);
    expect(computeCacheKey(plan, dir, { probe: { ...probe, node: '22.1.0' } })).not.toBe(computeCacheKey(plan, dir, { probe }));
  });

  it('finds dependency folders at any depth but not inside one another', () => {
    const dir = repo({ 'node_modules/a/index.js': '', 'node_modules/a/node_modules/b/x': '', 'packages/p/node_modules/c/x': '', '.venv/bin/python': '', 'src/a.js': '' });
    expect(findDependencyDirs(dir)).toEqual(['.venv', 'node_modules', 'packages/p/node_modules']);
  });
});

describe('toolchain check', () => {
  it('reads the wishes and reports a mismatch plainly', () => {
    const dir = repo({
      '.nvmrc': 'v22\n',
      'package.json': JSON.stringify({ engines: { node: '>=18' } }),
      '.python-version': '3.12\n',
      'go.mod': 'module x\n\ngo 1.22\n',
    });
    const wishes = readToolchainWishes(dir);
    expect(wishes.map((w) => `${w.tool}:${w.wanted}:${w.source}`)).toEqual(['node:22:.nvmrc', 'node:>=18:package.json engines.node', 'python:3.12:.python-version', 'go:>=1.22:go.mod go line']);
    const checks = compareToolchain(wishes, parseProbe('node=v20.20.2\npython=3.11.2\ngo=\nrust=\n'));
    expect(toolchainProblems(checks)).toEqual([
      'project wants Node 22 (.nvmrc), the sandbox has 20.20.2',
      'project wants Python 3.12 (.python-version), the sandbox has 3.11.2',
      'project wants Go >=1.22 (go.mod go line), the sandbox has no Go',
    ]);
    expect(checks[1]).toMatchObject({ ok: true, message: 'Node 20.20.2 satisfies >=18 (package.json engines.node)' });
  });

  it('understands LTS names and Python specifiers', () => {
    const dir = repo({ '.nvmrc': 'lts/iron\n', 'pyproject.toml': '[project]\nrequires-python = ">=3.10,<4"\n' });
    const checks = compareToolchain(readToolchainWishes(dir), parseProbe('node=v20.20.2\npython=3.11.2'));
    expect(checks.map((c) => c.ok)).toEqual([true, true]);
    expect(pep440ToSemver('~=3.11')).toBe('^3.11.0');
    expect(pep440ToSemver('==3.12.*')).toBe('3.12.x');
    expect(pep440ToSemver('nonsense')).toBeNull();
  });
});

describe('registry allow-list', () => {
  it('allows the default registries on 443/80 and listed host:port pairs only', () => {
    const rules = effectiveAllowList({ extra: ['127.0.0.1:8123', '*.pkg.example.com'], registryUrls: ['http://mirror.local:4873/'] });
    expect(isAllowed(rules, 'registry.npmjs.org', 443)).toBe(true);
    expect(isAllowed(rules, 'REGISTRY.npmjs.org.', 443)).toBe(true);
    expect(isAllowed(rules, 'registry.npmjs.org', 22)).toBe(false);
    expect(isAllowed(rules, 'evil-registry.npmjs.org.attacker.net', 443)).toBe(false);
    expect(isAllowed(rules, '127.0.0.1', 8123)).toBe(true);
    expect(isAllowed(rules, '127.0.0.1', 8124)).toBe(false);
    expect(isAllowed(rules, 'a.pkg.example.com', 443)).toBe(true);
    expect(isAllowed(rules, 'pkg.example.com', 443)).toBe(false);
    expect(isAllowed(rules, 'mirror.local', 4873)).toBe(true);
    expect(isAllowed(rules, 'github.com', 443)).toBe(false);
    expect(effectiveAllowList({ replaceDefaults: true, extra: ['npm.corp'] }).map((r) => r.host)).toEqual(['npm.corp']);
    expect(DEFAULT_REGISTRIES).toContain('files.pythonhosted.org');
  });

  it('rejects entries that are not hosts', () => {
    expect(() => parseAllowEntry('ftp://x')).toThrow(/only http and https/);
    expect(() => parseAllowEntry('bad host')).toThrow(/not a/);
    expect(() => parseAllowEntry('x:99999')).toThrow(/invalid port/);
  });
});
