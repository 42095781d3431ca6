import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Markers of a stack at the repository root. Order: most specific first in the output. */
const FILE_MARKERS: Array<[string, string]> = [
  ['go.mod', 'go'],
  ['pyproject.toml', 'python'],
  ['requirements.txt', 'python'],
  ['setup.py', 'python'],
  ['Cargo.toml', 'rust'],
  ['Gemfile', 'ruby'],
  ['pom.xml', 'java'],
  ['build.gradle', 'java'],
  ['tsconfig.json', 'typescript'],
];

const PACKAGE_MARKERS: Array<[string, string]> = [
  ['next', 'nextjs'],
  ['react', 'react'],
  ['kysely', 'kysely'],
  ['@playwright/test', 'playwright'],
  ['playwright-core', 'playwright'],
  ['vitest', 'vitest'],
  ['jest', 'jest'],
  ['typescript', 'typescript'],
  ['express', 'express'],
];

/** Detects the repository's stack from package.json, go.mod, pyproject.toml and friends. */
export function detectStack(dir: string): string[] {
  const stack = new Set<string>();
  const pkgPath = join(dir, 'package.json');
  if (existsSync(pkgPath)) {
    stack.add('node');
    try {
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as Record<string, Record<string, string> | undefined>;
      const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
      for (const [name, tag] of PACKAGE_MARKERS) if (name in deps) stack.add(tag);
    } catch {
      // An unreadable package.json still says "node"; the agent will find out the rest.
    }
  }
  for (const [file, tag] of FILE_MARKERS) if (existsSync(join(dir, file))) stack.add(tag);
  return [...stack];
}
