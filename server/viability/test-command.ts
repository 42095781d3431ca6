import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** npm's placeholder script: a `test` script that only fails is no test command. */
const NPM_PLACEHOLDER_RE = /no test specified/;

/**
 * The command that runs a repository's tests, read from its files: `npm test` when package.json
 * has a real `test` script, pytest when Python tests are configured, `go test ./...`, `cargo test`,
 * `make test`. Undefined when the repository says nothing.
 */
export function detectTestCommand(root: string): string | undefined {
  const read = (f: string) => {
    try {
      return readFileSync(path.join(root, f), 'utf8');
    } catch {
      return undefined;
    }
  };
  const pkg = read('package.json');
  if (pkg) {
    try {
      const test = (JSON.parse(pkg) as { scripts?: Record<string, string> }).scripts?.test;
      if (test && !NPM_PLACEHOLDER_RE.test(test)) return 'npm test';
    } catch {
      // A package.json that is not JSON says nothing about tests; the other files may.
    }
  }
  if (existsSync(path.join(root, 'pytest.ini')) || /\[tool\.pytest/.test(read('pyproject.toml') ?? '') || /\[tool:pytest\]/.test(read('setup.cfg') ?? '') || existsSync(path.join(root, 'conftest.py'))) {
    return 'python3 -m pytest';
  }
  if (existsSync(path.join(root, 'go.mod'))) return 'go test ./...';
  if (existsSync(path.join(root, 'Cargo.toml'))) return 'cargo test';
  if (/^test:/m.test(read('Makefile') ?? '')) return 'make test';
  if (existsSync(path.join(root, 'tests')) && (read('pyproject.toml') !== undefined || read('setup.py') !== undefined)) return 'python3 -m pytest';
  return undefined;
}
