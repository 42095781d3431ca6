import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Makes a remote git URL (https://github.com/acme/widgets.git) answer from a local bare repository
 * with one commit on `main`, for tests that create projects through the API (which checks the
 * repository is reachable) on a machine without network: git's `url.<local>.insteadOf <url>`
 * through GIT_CONFIG_* variables, and the URL's host exempt from the outbound policy's name lookup
 * (NIGHTSHIFT_OUTBOUND_ALLOW). Returns a function that restores the environment.
 * @example const restore = serveRemoteLocally('https://github.com/acme/widgets.git'); … restore();
 */
export function serveRemoteLocally(...urls: string[]): () => void {
  const saved = new Map<string, string | undefined>();
  const set = (k: string, v: string) => {
    if (!saved.has(k)) saved.set(k, process.env[k]);
    process.env[k] = v;
  };
  let count = Number(process.env.GIT_CONFIG_COUNT ?? 0);
  const hosts = new Set((process.env.NIGHTSHIFT_OUTBOUND_ALLOW ?? '').split(',').filter(Boolean));
  for (const url of urls) {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-remote-'));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-remote-work-'));
    const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...args], { cwd, stdio: 'pipe' });
    git(work, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(work, 'README.md'), `# ${url}\n`);
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'initial');
    git(bare, 'clone', '-q', '--bare', work, bare);
    set(`GIT_CONFIG_KEY_${count}`, `url.${bare}.insteadOf`);
    set(`GIT_CONFIG_VALUE_${count}`, url);
    count++;
    hosts.add(new URL(url).hostname);
  }
  set('GIT_CONFIG_COUNT', String(count));
  set('NIGHTSHIFT_OUTBOUND_ALLOW', [...hosts].join(','));
  return () => {
    for (const [k, v] of saved) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
}
