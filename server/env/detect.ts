/**
 * What a repository needs installed, read from its files: the setup command, which files decide
 * the result (they key the dependency cache), where the dependencies end up, and the variables
 * commands need to find them. `.nightshift/setup.sh` committed in the repository wins over the
 * project's setting, which wins over detection; the detected stacks still say where the
 * dependencies land, whichever command installs them.
 *
 *   detectSetup('/repo')            // { source: 'detected', stacks: ['npm'], display: 'npm ci', … }
 *   detectSetup('/repo', { setupCommand: 'make deps' })
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { SANDBOX_WORKDIR } from '../../sandbox/types';

export const SETUP_SCRIPT = '.nightshift/setup.sh';

export const STACKS = ['npm', 'pnpm', 'yarn', 'bun', 'uv', 'poetry', 'pip', 'go', 'cargo'] as const;
export type StackName = (typeof STACKS)[number];

/** Folder names that hold installed dependencies wherever they appear in the workspace. */
export const DEP_DIR_NAMES = ['node_modules', '.venv'] as const;
/** Scratch caches of the installers during setup (inside the throwaway copy, never kept). */
export const SETUP_CACHE_DIR = '.nightshift-setup-cache';
/** Where out-of-workspace dependency folders are mounted inside the sandbox. */
export const OUTSIDE_ROOT = '/deps';

/**
 * A dependency folder outside the workspace. `writableRoot`: the tool writes lock files at the
 * folder's top (Cargo's `.package-cache`), so a task sandbox gets a writable folder there with the
 * cached sub-folders mounted read-only inside it.
 */
export type OutsideDir = { name: string; target: string; writableRoot?: boolean };

export type SetupPlan = {
  /** `script`: .nightshift/setup.sh; `settings`: the project's setup command; `none`: nothing to install. */
  source: 'script' | 'settings' | 'detected' | 'none';
  stacks: StackName[];
  /** The shell command the setup sandbox runs (`sh -c`), or null when there is nothing to do. */
  command: string | null;
  /** The command as people read it: "npm ci", "sh .nightshift/setup.sh". */
  display: string | null;
  /** Workspace-relative files whose contents decide the installed result (the cache key). */
  keyFiles: string[];
  /** Dependency folders outside the workspace (Go's module cache, Cargo's home). */
  outside: OutsideDir[];
  /** Extra workspace-relative folders to keep (project setting `cachePaths`). */
  extraPaths: string[];
  /** Variables for the setup command only. */
  setupEnv: Record<string, string>;
  /** Variables for task commands (offline switches, where the dependencies are). */
  taskEnv: Record<string, string>;
  /** PATH entries for task commands (a virtualenv's bin). */
  pathPrepend: string[];
  /** Why nothing is installed (source `none`). */
  reason?: string;
};

/** The project's environment settings (projects.settings.env). */
export type ProjectEnvSettings = {
  /** Replaces the detected command (a committed .nightshift/setup.sh still wins). */
  setupCommand?: string;
  /** More workspace-relative folders the setup produces that tasks need. */
  cachePaths?: string[];
};

/** Registry addresses an organisation points installers at (mirrors, private indexes). */
export type RegistryUrls = { npm?: string; pip?: string; go?: string };

/** Folders never searched for manifests or dependency folders. */
const SKIP_DIRS = new Set(['.git', 'node_modules', '.venv', 'vendor', 'target', 'dist', 'build', SETUP_CACHE_DIR, '.nightshift']);
/** How deep manifests of workspaces/monorepo packages are looked for. */
const MANIFEST_DEPTH = 4;

const has = (dir: string, rel: string) => existsSync(join(dir, rel));

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Workspace-relative paths of files named `name` below `dir` (monorepo packages), sorted. */
function findFiles(dir: string, names: ReadonlySet<string>, depth = MANIFEST_DEPTH, rel = ''): string[] {
  let entries;
  try {
    entries = readdirSync(join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (depth > 0 && !SKIP_DIRS.has(e.name)) out.push(...findFiles(dir, names, depth - 1, p));
    } else if (names.has(e.name)) out.push(p);
  }
  return out.sort();
}

function rootFiles(dir: string, pattern: RegExp): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => pattern.test(f) && statSync(join(dir, f)).isFile())
      .sort();
  } catch {
    return [];
  }
}

const shq = (s: string) => (/^[A-Za-z0-9_./=@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The pnpm/yarn version the repository pins in package.json's `packageManager`. */
function pinnedManager(pkg: Record<string, unknown> | null, name: string): string | undefined {
  const pm = typeof pkg?.packageManager === 'string' ? pkg.packageManager : '';
  const m = new RegExp(`^${name}@(\\d+[\\w.+-]*)`).exec(pm);
  return m?.[1]?.split('+')[0];
}

/** `tool ARGS` when the sandbox has the tool, else the same through npx (fetched via the registry). */
function viaNpx(tool: string, version: string, args: string): string {
  return `if command -v ${tool} >/dev/null 2>&1; then ${tool} ${args}; else npx --yes ${tool}@${version} ${args}; fi`;
}

/** Optional-dependency groups installed with the project when declared (pyproject [project.optional-dependencies]). */
function pyExtras(pyproject: string): string[] {
  const section = /^\[project\.optional-dependencies\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(pyproject)?.[1] ?? '';
  const keys = [...section.matchAll(/^([A-Za-z0-9_-]+)\s*=/gm)].map((m) => m[1]);
  return keys.filter((k) => ['test', 'tests', 'testing', 'dev'].includes(k.toLowerCase()));
}

type StackPart = {
  stack: StackName;
  command: string;
  keyFiles: string[];
  outside?: OutsideDir[];
  setupEnv?: Record<string, string>;
  taskEnv?: Record<string, string>;
  pathPrepend?: string[];
};

/** Task commands have no network: npm says so at once (ENOTCACHED) instead of retrying for a minute. */
const NODE_TASK_ENV = { npm_config_offline: 'true', npm_config_update_notifier: 'false', YARN_ENABLE_OFFLINE_MODE: '1' };

function nodePart(dir: string): StackPart | null {
  if (!has(dir, 'package.json')) return null;
  const pkg = readJson(join(dir, 'package.json'));
  const locks = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lockb', 'bun.lock'];
  const declares = ['dependencies', 'devDependencies', 'optionalDependencies', 'workspaces'].some((k) => {
    const v = pkg?.[k];
    return v && typeof v === 'object' && Object.keys(v).length > 0;
  });
  // A package.json that declares nothing to install (scripts only) needs no setup.
  if (pkg && !declares && !locks.some((f) => has(dir, f))) return null;
  const manifests = findFiles(dir, new Set(['package.json']));
  const extra = ['.npmrc', '.yarnrc', '.yarnrc.yml', 'pnpm-workspace.yaml'].filter((f) => has(dir, f));
  const cache = `${SANDBOX_WORKDIR}/${SETUP_CACHE_DIR}`;
  if (has(dir, 'pnpm-lock.yaml')) {
    return {
      stack: 'pnpm',
      command: viaNpx('pnpm', pinnedManager(pkg, 'pnpm') ?? '9', 'install --frozen-lockfile'),
      keyFiles: ['pnpm-lock.yaml', ...manifests, ...extra],
      setupEnv: { npm_config_store_dir: `${cache}/pnpm-store` },
      taskEnv: NODE_TASK_ENV,
    };
  }
  if (has(dir, 'bun.lockb') || has(dir, 'bun.lock')) {
    const lock = has(dir, 'bun.lock') ? 'bun.lock' : 'bun.lockb';
    return { stack: 'bun', command: 'bun install --frozen-lockfile', keyFiles: [lock, ...manifests, ...extra], setupEnv: { BUN_INSTALL_CACHE_DIR: `${cache}/bun` }, taskEnv: NODE_TASK_ENV };
  }
  if (has(dir, 'yarn.lock')) {
    const berry = has(dir, '.yarnrc.yml');
    return {
      stack: 'yarn',
      command: berry ? viaNpx('yarn', pinnedManager(pkg, 'yarn') ?? '4', 'install --immutable') : viaNpx('yarn', pinnedManager(pkg, 'yarn') ?? '1.22.22', 'install --frozen-lockfile --non-interactive'),
      keyFiles: ['yarn.lock', ...manifests, ...extra],
      setupEnv: { YARN_CACHE_FOLDER: `${cache}/yarn`, YARN_ENABLE_GLOBAL_CACHE: 'false', YARN_NODE_LINKER: 'node-modules' },
      taskEnv: NODE_TASK_ENV,
    };
  }
  const lock = ['package-lock.json', 'npm-shrinkwrap.json'].find((f) => has(dir, f));
  return {
    stack: 'npm',
    command: lock ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund',
    keyFiles: [...(lock ? [lock] : []), ...manifests, ...extra],
    taskEnv: NODE_TASK_ENV,
  };
}

/**
 * Makes the project-local virtualenv `.venv`. When the interpreter's own pip can install into
 * another environment (`pip --python`, pip ≥ 22.3), the venv gets no copy of pip — ensurepip
 * spends seconds of CPU installing and compiling pip and setuptools into every environment — and
 * `.venv/bin/pip` runs that pip against the venv (so `pip install`, `pip list` work as usual).
 * Otherwise a venv with its own pip.
 */
export const MAKE_VENV =
  // Reading pip's version costs an import of one small module, not pip's start-up.
  `if python3 -c 'import pip, sys; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (22, 3))' 2>/dev/null; then ` +
  `python3 -m venv --without-pip .venv && printf '%s\\n' '#!/bin/sh' 'py="$(dirname "$0")/python"' 'exec "$(readlink -f "$py")" -m pip --python "$py" "$@"' > .venv/bin/pip && chmod 755 .venv/bin/pip && ln -s pip .venv/bin/pip3; ` +
  `else python3 -m venv .venv; fi`;

function pythonPart(dir: string): StackPart | null {
  const requirements = rootFiles(dir, /^requirements.*\.txt$/);
  const pyprojectText = has(dir, 'pyproject.toml') ? readFileSync(join(dir, 'pyproject.toml'), 'utf8') : '';
  const installable = /^\[project\]\s*$/m.test(pyprojectText) || /^\[tool\.poetry\]\s*$/m.test(pyprojectText) || has(dir, 'setup.py');
  const venv = `${SANDBOX_WORKDIR}/.venv`;
  const py = {
    taskEnv: { VIRTUAL_ENV: venv, PIP_NO_INDEX: '1' },
    pathPrepend: [`${venv}/bin`],
  };
  const meta = ['pyproject.toml', 'setup.py', 'setup.cfg', '.python-version'].filter((f) => has(dir, f));
  const pip = '.venv/bin/pip';
  const tool = (name: string, pkg: string) =>
    `python3 -m venv ${SETUP_CACHE_DIR}/${name} && ${SETUP_CACHE_DIR}/${name}/bin/python -m pip install --quiet ${pkg}`;
  if (has(dir, 'uv.lock')) {
    return {
      stack: 'uv',
      command: `if command -v uv >/dev/null 2>&1; then uv sync --frozen; else ${tool('uv', 'uv')} && ${SETUP_CACHE_DIR}/uv/bin/uv sync --frozen; fi`,
      keyFiles: ['uv.lock', ...meta],
      setupEnv: { UV_PROJECT_ENVIRONMENT: '.venv', UV_PYTHON_DOWNLOADS: 'never', UV_LINK_MODE: 'copy', UV_CACHE_DIR: `${SETUP_CACHE_DIR}/uv-cache` },
      ...py,
    };
  }
  if (has(dir, 'poetry.lock')) {
    return {
      stack: 'poetry',
      command: `python3 -m venv .venv && ${tool('poetry', 'poetry')} && ${SETUP_CACHE_DIR}/poetry/bin/poetry install --no-interaction`,
      keyFiles: ['poetry.lock', ...meta],
      setupEnv: { POETRY_VIRTUALENVS_IN_PROJECT: 'true', POETRY_CACHE_DIR: `${SETUP_CACHE_DIR}/poetry-cache` },
      ...py,
    };
  }
  if (requirements.length === 0 && !installable) return null;
  const installs: string[] = [];
  if (requirements.length) installs.push(`${pip} install ${requirements.map((r) => `-r ${shq(r)}`).join(' ')}`);
  if (installable) {
    const extras = pyExtras(pyprojectText);
    installs.push(`${pip} install -e ${shq(extras.length ? `.[${extras.join(',')}]` : '.')}`);
  }
  return {
    stack: 'pip',
    command: [MAKE_VENV, ...installs].join(' && '),
    keyFiles: [...requirements, ...meta],
    ...py,
  };
}

function goPart(dir: string): StackPart | null {
  if (!has(dir, 'go.mod') || has(dir, 'vendor/modules.txt')) return null;
  const modcache = `${OUTSIDE_ROOT}/go-mod`;
  return {
    stack: 'go',
    command: 'go mod download',
    keyFiles: ['go.mod', ...(has(dir, 'go.sum') ? ['go.sum'] : [])],
    outside: [{ name: 'go-mod', target: modcache }],
    setupEnv: { GOMODCACHE: modcache, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GOCACHE: `${SANDBOX_WORKDIR}/${SETUP_CACHE_DIR}/go-build` },
    taskEnv: { GOMODCACHE: modcache, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local' },
  };
}

function cargoPart(dir: string): StackPart | null {
  if (!has(dir, 'Cargo.lock')) return null;
  const home = `${OUTSIDE_ROOT}/cargo-home`;
  return {
    stack: 'cargo',
    command: 'cargo fetch --locked',
    keyFiles: ['Cargo.lock', ...findFiles(dir, new Set(['Cargo.toml'])), ...['rust-toolchain', 'rust-toolchain.toml'].filter((f) => has(dir, f))],
    outside: [{ name: 'cargo-home', target: home, writableRoot: true }],
    setupEnv: { CARGO_HOME: home },
    taskEnv: { CARGO_HOME: home, CARGO_NET_OFFLINE: 'true' },
  };
}

/** Variables every setup gets: installer caches in the throwaway copy, no prompts, no notices. */
function baseSetupEnv(registries: RegistryUrls): Record<string, string> {
  const cache = `${SANDBOX_WORKDIR}/${SETUP_CACHE_DIR}`;
  const env: Record<string, string> = {
    npm_config_cache: `${cache}/npm`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    PIP_CACHE_DIR: `${cache}/pip`,
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_PROGRESS_BAR: 'off',
    XDG_CACHE_HOME: `${cache}/xdg`,
  };
  if (registries.npm) env.npm_config_registry = registries.npm;
  if (registries.pip) {
    env.PIP_INDEX_URL = registries.pip;
    env.UV_DEFAULT_INDEX = registries.pip;
    // pip refuses a plain-http index unless told the host is trusted (a local mirror).
    if (registries.pip.startsWith('http:')) env.PIP_TRUSTED_HOST = new URL(registries.pip).hostname;
  }
  if (registries.go) env.GOPROXY = registries.go;
  return env;
}

/**
 * Reads the repository at `dir` (a checkout or worktree) and returns its setup plan.
 * Never runs anything.
 */
export function detectSetup(dir: string, settings: ProjectEnvSettings = {}, registries: RegistryUrls = {}): SetupPlan {
  const parts = [nodePart(dir), pythonPart(dir), goPart(dir), cargoPart(dir)].filter((p): p is StackPart => p !== null);
  const extraPaths = (settings.cachePaths ?? []).map((p) => posix.normalize(p).replace(/^\.\/|\/$/g, '')).filter((p) => p && !p.startsWith('..') && !p.startsWith('/'));
  const versionFiles = ['.nvmrc', '.node-version', '.python-version', '.tool-versions'].filter((f) => has(dir, f));
  const merged = {
    stacks: parts.map((p) => p.stack),
    keyFiles: [...new Set([...parts.flatMap((p) => p.keyFiles), ...versionFiles])].sort(),
    outside: parts.flatMap((p) => p.outside ?? []),
    extraPaths,
    setupEnv: Object.assign(baseSetupEnv(registries), ...parts.map((p) => p.setupEnv ?? {})) as Record<string, string>,
    taskEnv: Object.assign({}, ...parts.map((p) => p.taskEnv ?? {})) as Record<string, string>,
    pathPrepend: parts.flatMap((p) => p.pathPrepend ?? []),
  };
  if (has(dir, SETUP_SCRIPT)) {
    return { source: 'script', command: `sh ${SETUP_SCRIPT}`, display: `sh ${SETUP_SCRIPT}`, ...merged, keyFiles: [...new Set([SETUP_SCRIPT, ...merged.keyFiles])].sort() };
  }
  const custom = settings.setupCommand?.trim();
  if (custom) return { source: 'settings', command: custom, display: custom, ...merged };
  if (parts.length === 0) {
    return {
      source: 'none',
      command: null,
      display: null,
      ...merged,
      reason: 'no recognisable stack (no package.json, requirements*.txt, pyproject.toml, go.mod or Cargo.lock, and no .nightshift/setup.sh): nothing to install',
    };
  }
  const command = parts.map((p) => (parts.length > 1 ? `(${p.command})` : p.command)).join(' && ');
  const display = parts.map((p) => displayOf(p)).join(' && ');
  return { source: 'detected', command, display, ...merged };
}

/** A short form for people: the fallback branches of a command are not worth reading. */
function displayOf(p: StackPart): string {
  switch (p.stack) {
    case 'pnpm':
      return 'pnpm install --frozen-lockfile';
    case 'yarn':
      return p.command.includes('--immutable') ? 'yarn install --immutable' : 'yarn install --frozen-lockfile';
    case 'uv':
      return 'uv sync --frozen';
    case 'poetry':
      return 'poetry install';
    case 'pip':
      return p.command.replace(MAKE_VENV, 'python3 -m venv .venv');
    default:
      return p.command;
  }
}
