/**
 * Escape attempts against every available isolating driver. Each test tries one way out and
 * asserts both that the command could not get there and that the host is unchanged.
 * The docker driver runs against a Docker/Podman socket (sandbox/setup-podman.sh) and is
 * skipped, with the reason printed, where none answers or the image is missing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from './bwrap-driver';
import { detectCgroups } from './cgroups';
import { findEngine, dockerClient } from './detect';
import { DEFAULT_IMAGE } from './docker-driver';
import { createSandbox, type Sandbox, type SandboxDriverName } from './index';

/** Small limits keep the fork storm and memory bomb cheap on a 2-core CI machine. */
const PIDS_MAX = 48;
const MEMORY_MB = 128;
/** Set by the shell itself or by the container engine; none carries host data. */
const SHELL_OR_ENGINE_VARS = ['PWD', 'SHLVL', 'HOSTNAME', 'TERM', 'container', 'OLDPWD'];

function hostProcessesMatching(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return pids;
}

async function driverSkipReason(driver: SandboxDriverName): Promise<string | undefined> {
  if (driver === 'bwrap') {
    if (!bwrapAvailable()) return 'bubblewrap is not installed';
    const cg = detectCgroups();
    if (cg.version === 0) return `no usable cgroups: ${cg.reason}`;
    return undefined;
  }
  const endpoint = await findEngine();
  if (!endpoint) return 'no Docker/Podman socket answers (run sandbox/setup-podman.sh and export DOCKER_HOST)';
  try {
    await (dockerClient(endpoint) as Docker).getImage(DEFAULT_IMAGE).inspect();
  } catch {
    return `image ${DEFAULT_IMAGE} is missing (run sandbox/build-local-image.sh or build sandbox/Dockerfile)`;
  }
  return undefined;
}

for (const driver of ['bwrap', 'docker'] as const) {
  const reason = await driverSkipReason(driver);
  if (reason) console.warn(`[escape tests] skipping the ${driver} driver: ${reason}`);

  describe.skipIf(Boolean(reason))(`sandbox escape attempts (${driver})`, () => {
    let root: string;
    let workspace: string;
    let hostDir: string;
    let secretFile: string;
    let secretText: string;
    let sandbox: Sandbox;

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), `ns-escape-${driver}-`));
      workspace = join(root, 'workspace');
      hostDir = join(root, 'host');
      mkdirSync(workspace);
      mkdirSync(hostDir);
      secretText = `host-secret-${randomBytes(8).toString('hex')}`;
      secretFile = join(hostDir, 'secret.txt');
      writeFileSync(secretFile, secretText);
      sandbox = await createSandbox({
        driver,
        workspaceDir: workspace,
        memoryMb: MEMORY_MB,
        timeoutS: 20,
        pidsMax: PIDS_MAX,
        env: { PROJECT_FLAVOUR: 'vanilla' },
      });
      await sandbox.start();
    });

    afterAll(async () => {
      await sandbox?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it('runs commands, streams output and writes only inside the workspace', async () => {
      const chunks: string[] = [];
      const r = await sandbox.exec(['sh', '-c', 'echo streamed; echo made > out.txt; echo oops >&2; exit 3'], {
        onStdout: (c) => chunks.push(c),
      });
      expect(r.exitCode).toBe(3);
      expect(chunks.join('')).toBe('streamed\n');
      expect(r.stderr).toContain('oops');
      expect(readFileSync(join(workspace, 'out.txt'), 'utf8')).toBe('made\n');
    });

    it('cannot reach a server on the host loopback', async () => {
      let connections = 0;
      const server: Server = createServer((s) => {
        connections++;
        s.end('hello from host\n');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      try {
        const probe = `const s=require('net').connect(${port},'127.0.0.1');` +
          `s.on('data',d=>{console.log('GOT '+d);process.exit(0)});` +
          `s.on('error',e=>{console.log('BLOCKED '+e.code);process.exit(1)});`;
        const r = await sandbox.exec(['node', '-e', probe], { timeoutMs: 10_000 });
        expect(r.stdout).toMatch(/BLOCKED (ECONNREFUSED|ENETUNREACH|EHOSTUNREACH)/);
        expect(r.stdout).not.toContain('hello from host');
        expect(connections).toBe(0);
        // Control: the server does answer from the host, so the test could have failed.
        const got = await new Promise<string>((resolve, reject) => {
          const c = connect(port, '127.0.0.1');
          c.on('data', (d: Buffer) => resolve(String(d)));
          c.on('error', reject);
        });
        expect(got).toContain('hello from host');
        // Its own loopback works (test suites start local servers), it is just not the host's.
        const own = `const srv=require('net').createServer(s=>s.end('inner')).listen(0,'127.0.0.1',()=>{` +
          `require('net').connect(srv.address().port,'127.0.0.1').on('data',d=>{console.log('OWN '+d);process.exit(0)})})`;
        expect((await sandbox.exec(['node', '-e', own], { timeoutMs: 10_000 })).stdout).toBe('OWN inner\n');
      } finally {
        server.close();
      }
    });

    it('cannot read host files by absolute path, symlink or /proc/1/root', async () => {
      symlinkSync(secretFile, join(workspace, 'link-to-secret'));
      symlinkSync(hostDir, join(workspace, 'link-to-dir'));
      const attempts = [
        `cat ${secretFile}`,
        'cat link-to-secret',
        'cat link-to-dir/secret.txt',
        `cat /proc/1/root${secretFile}`,
        `cat /proc/self/root${secretFile}`,
        'cat /proc/1/root/etc/shadow',
        'ls /proc/1/root/work /proc/1/root/root',
        'cat /etc/shadow',
      ];
      for (const a of attempts) {
        const r = await sandbox.exec(['sh', '-c', a]);
        expect(r.exitCode, a).not.toBe(0);
        expect(r.stdout, a).not.toContain(secretText);
      }
      // Control: the same path does hold the secret on the host.
      expect(readFileSync(join(workspace, 'link-to-secret'), 'utf8')).toBe(secretText);
    });

    it('cannot write outside the workspace, and its /tmp is private', async () => {
      const marker = `marker-${randomBytes(6).toString('hex')}`;
      const targets = [join(hostDir, marker), `/usr/${marker}`, `/etc/${marker}`, `/${marker}`, `/proc/1/root${hostDir}/${marker}`];
      for (const t of targets) {
        const r = await sandbox.exec(['sh', '-c', `echo pwned > ${t}`]);
        expect(r.exitCode, t).not.toBe(0);
      }
      const tmp = await sandbox.exec(['sh', '-c', `echo inside > /tmp/${marker} && cat /tmp/${marker}`]);
      expect(tmp.stdout).toBe('inside\n');
      for (const p of [join(hostDir, marker), `/usr/${marker}`, `/etc/${marker}`, `/${marker}`, `/tmp/${marker}`]) {
        expect(existsSync(p), p).toBe(false);
      }
    });

    it('sees no host secrets in its environment', async () => {
      const fake = `sk-fake-${randomBytes(8).toString('hex')}`;
      process.env.NIGHTSHIFT_FAKE_SECRET = fake;
      try {
        const r = await sandbox.exec(['sh', '-c', 'env; cat /proc/1/environ 2>/dev/null | tr "\\0" "\\n"'], {
          env: { PER_COMMAND: 'yes' },
        });
        expect(r.exitCode).toBe(0);
        expect(r.stdout).not.toContain(fake);
        expect(r.stdout).not.toContain('NIGHTSHIFT_FAKE_SECRET');
        const names = r.stdout.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]);
        const allowed = new Set(['PATH', 'HOME', 'LANG', 'CI', 'PROJECT_FLAVOUR', 'PER_COMMAND', ...SHELL_OR_ENGINE_VARS]);
        expect(names.filter((n) => !allowed.has(n))).toEqual([]);
        for (const n of ['PATH', 'HOME', 'LANG', 'CI', 'PROJECT_FLAVOUR', 'PER_COMMAND']) expect(names).toContain(n);
        expect(r.stdout).toContain('CI=true');
      } finally {
        delete process.env.NIGHTSHIFT_FAKE_SECRET;
      }
    });

    it('bounds a fork storm by the pids limit', async () => {
      const marker = `${3000 + Math.floor(Math.random() * 900)}`;
      // Start sleepers until fork fails; report how many started.
      const storm = `n=0; while [ $n -lt 400 ]; do sleep ${marker} 2>/dev/null & n=$((n+1)); done; echo started`;
      const r = await sandbox.exec(['sh', '-c', storm], { timeoutMs: 15_000 });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/fork|Resource temporarily unavailable/i);
      expect(r.stdout).not.toContain('started');
      expect(hostProcessesMatching(`sleep ${marker}`)).toEqual([]);
      // The sandbox still works afterwards.
      expect((await sandbox.exec(['echo', 'alive'])).stdout).toBe('alive\n');
    });

    it.skipIf(driver !== 'bwrap')('runs every process of a command inside its limiting cgroup', async () => {
      const r = await sandbox.exec(['sh', '-c', 'cat /proc/self/cgroup; (cat /proc/self/cgroup) | cat']);
      // v1: the memory and pids hierarchies; v2: the unified one (a hybrid host has both).
      const ours = detectCgroups().version === 2 ? /^0::/ : /:(memory|pids):/;
      const lines = r.stdout.split('\n').filter((l) => ours.test(l));
      expect(lines.length).toBe(detectCgroups().version === 2 ? 2 : 4);
      for (const l of lines) expect(l).toMatch(/nightshift-sandbox\/run-/);
    });

    it('kills a memory bomb with 137 and says out of memory', async () => {
      const bomb = 'const a=[]; for(;;) a.push(Buffer.alloc(8*1024*1024, 1));';
      const r = await sandbox.exec(['node', '-e', bomb], { timeoutMs: 20_000 });
      expect(r.timedOut).toBe(false);
      expect(r.oom).toBe(true);
      expect(r.exitCode).toBe(137);
      expect(r.stderr).toContain('out of memory');
      expect((await sandbox.exec(['echo', 'alive'])).stdout).toBe('alive\n');
    });

    it('kills the whole tree on timeout, setsid and background children included', async () => {
      const tag = `${4000 + Math.floor(Math.random() * 900)}`;
      const evade = `setsid sleep ${tag} & (sleep ${tag} &) ; nohup sleep ${tag} >/dev/null 2>&1 & ` +
        `setsid sh -c 'trap "" TERM HUP; sleep ${tag}' & echo started; sleep ${tag}`;
      const out: string[] = [];
      const r = await sandbox.exec(['sh', '-c', evade], { timeoutMs: 5000, onStdout: (c) => out.push(c) });
      expect(out.join('')).toContain('started');
      expect(r.timedOut).toBe(true);
      expect(r.exitCode).toBe(124);
      expect(r.stderr).toContain('timed out');
      expect(hostProcessesMatching(`sleep ${tag}`)).toEqual([]);
      if (driver === 'bwrap') {
        // The command's cgroups are gone too (they would pile up over thousands of commands).
        const cg = detectCgroups();
        const left = cg.version === 0 ? [] : cg.base.flatMap((b) => readdirSync(b).filter((n) => n.startsWith(`run-${process.pid}-`)));
        expect(left).toEqual([]);
      }
    });

    it('leaves no background process behind when the command exits normally', async () => {
      const tag = `${5000 + Math.floor(Math.random() * 900)}`;
      const r = await sandbox.exec(['sh', '-c', `setsid sleep ${tag} & (nohup sleep ${tag} >/dev/null 2>&1 &); echo done`]);
      expect(r.stdout).toBe('done\n');
      expect(hostProcessesMatching(`sleep ${tag}`)).toEqual([]);
    });
  });
}
