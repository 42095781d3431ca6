/** `nightshift sandbox exec` end to end, through the real CLI entry and the bubblewrap driver. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from './bwrap-driver';
import { detectCgroups } from './cgroups';
import { candidateEndpoints } from './detect';
import { createSandbox, parseDriver } from './index';

const BIN = fileURLToPath(new URL('../bin/nightshift.js', import.meta.url));
const canRun = bwrapAvailable() && detectCgroups().version !== 0;
if (!canRun) console.warn('[sandbox cli tests] skipping: bubblewrap or cgroups unavailable');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SANDBOX_DRIVER: 'bwrap' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe.skipIf(!canRun)('nightshift sandbox exec', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'ns-cli-'));
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  it('streams output, writes in the workspace and exits with the command code', async () => {
    const r = await cli(['sandbox', 'exec', '--workspace', ws, '--driver', 'bwrap', '--env', 'GREETING=hi', '--', 'sh', '-c', 'echo $GREETING > f.txt; echo to-out; echo to-err >&2; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('to-out\n');
    expect(r.stderr).toContain('to-err');
    expect(readFileSync(join(ws, 'f.txt'), 'utf8')).toBe('hi\n');
  });

  it('exits 124 on timeout and says so', async () => {
    const r = await cli(['sandbox', 'exec', '--workspace', ws, '--driver', 'bwrap', '--timeout-s', '1', '--', 'sh', '-c', 'setsid sleep 60 & sleep 60']);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/timed out after 1 s/);
  });

  it('exits 137 on a memory bomb and says "out of memory"', async () => {
    const r = await cli(['sandbox', 'exec', '--workspace', ws, '--driver', 'bwrap', '--memory-mb', '64', '--', 'node', '-e', 'const a=[];for(;;)a.push(Buffer.alloc(4e6,1))']);
    expect(r.code).toBe(137);
    expect(r.stderr).toContain('out of memory');
  });

  it('rejects bad input with a message', async () => {
    expect((await cli(['sandbox', 'exec', '--', 'true'])).stderr).toContain('--workspace DIR is required');
    const bad = await cli(['sandbox', 'exec', '--workspace', ws, '--memory-mb', 'lots', '--', 'true']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--memory-mb must be a positive integer');
  });
});

describe('driver selection', () => {
  it('parses driver names', () => {
    expect(parseDriver(undefined)).toBe('auto');
    expect(parseDriver('bubblewrap')).toBe('bwrap');
    expect(parseDriver('DOCKER')).toBe('docker');
    expect(() => parseDriver('vm')).toThrow(/unknown sandbox driver "vm"/);
  });

  it('uses only DOCKER_HOST when it is set', () => {
    expect(candidateEndpoints({ DOCKER_HOST: 'unix:///x/docker.sock' })).toEqual([{ socketPath: '/x/docker.sock' }]);
    expect(candidateEndpoints({ DOCKER_HOST: 'tcp://10.0.0.5:2376' })).toEqual([{ host: '10.0.0.5', port: 2376, protocol: 'http' }]);
  });

  it.skipIf(!canRun)('auto falls back to bubblewrap when no engine answers', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const sb = await createSandbox({ driver: 'auto', workspaceDir: tmpdir() });
      expect(sb.driver).toBe('bwrap');
      expect(sb.isolated).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('flags the none driver as not isolated, still with a minimal environment, and refuses network', async () => {
    const none = await createSandbox({ driver: 'none', workspaceDir: tmpdir(), env: { DECLARED: 'yes' } });
    expect(none.isolated).toBe(false);
    process.env.NIGHTSHIFT_FAKE_SECRET = 'sk-none-driver';
    try {
      await none.start();
      const r = await none.exec(['sh', '-c', 'env']);
      expect(r.stdout).toContain('DECLARED=yes');
      expect(r.stdout).not.toContain('sk-none-driver');
    } finally {
      delete process.env.NIGHTSHIFT_FAKE_SECRET;
      await none.stop();
    }
    await expect(createSandbox({ driver: 'bwrap', workspaceDir: tmpdir(), network: true as unknown as false })).rejects.toThrow(/no network/);
  });
});
