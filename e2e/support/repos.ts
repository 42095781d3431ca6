import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A small git repository (one commit on `main`) in the folder the e2e server grants to
 * organisations (E2E_REPOS_DIR): projects are checked when added, so their repository must exist.
 */
export function localRepo(prefix = 'ns-e2e-repo-', files: Record<string, string> = { 'README.md': '# app\n', 'src/index.js': 'export const version = 1;\n' }): string {
  const dir = fs.mkdtempSync(path.join(process.env.E2E_REPOS_DIR ?? os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=E2E', '-c', 'user.email=e2e@example.com', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'initial');
  return dir;
}
