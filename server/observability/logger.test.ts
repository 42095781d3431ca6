import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addLogSecrets, configureLogging, getLogger, setLogContext, withLogContext } from './logger';

const ROOT = path.resolve(__dirname, '..', '..');

/** Captures the lines the logger writes, parsed. */
function capture(level = 'info') {
  const lines: string[] = [];
  configureLogging({ stream: { write: (l: string) => lines.push(l) }, level, pretty: false, proc: 'test' });
  return { lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

afterEach(() => configureLogging({ stream: undefined, level: undefined, pretty: undefined }));

describe('the logger', () => {
  it('writes JSON lines with level, time and msg, and child bindings', () => {
    const out = capture();
    getLogger({ component: 'unit' }).info({ extra: 1 }, 'hello');
    const [line] = out.parsed();
    expect(line).toMatchObject({ level: 'info', msg: 'hello', component: 'unit', extra: 1, proc: 'test', pid: process.pid });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
    expect(out.lines[0].endsWith('\n')).toBe(true);
  });

  it('binds request and task fields through the async context, role included, and forgets them outside', async () => {
    const out = capture();
    const log = getLogger({ component: 'unit' });
    await withLogContext({ orgId: 'o1', runId: 'r1', taskId: 't1' }, async () => {
      log.info('start');
      setLogContext({ role: 'developer' });
      await Promise.resolve();
      log.info('in role');
      setLogContext({ role: undefined });
      log.info('after role');
    });
    await withLogContext({ reqId: 'req-9' }, async () => log.info('request'));
    log.info('outside');
    const rows = out.parsed().map(({ msg, orgId, runId, taskId, role, reqId }) => ({ msg, orgId, runId, taskId, role, reqId }));
    expect(rows).toEqual([
      { msg: 'start', orgId: 'o1', runId: 'r1', taskId: 't1', role: undefined, reqId: undefined },
      { msg: 'in role', orgId: 'o1', runId: 'r1', taskId: 't1', role: 'developer', reqId: undefined },
      { msg: 'after role', orgId: 'o1', runId: 'r1', taskId: 't1', role: undefined, reqId: undefined },
      { msg: 'request', orgId: undefined, runId: undefined, taskId: undefined, role: undefined, reqId: 'req-9' },
      { msg: 'outside', orgId: undefined, runId: undefined, taskId: undefined, role: undefined, reqId: undefined },
    ]);
  });

  it('redacts secrets: secret-named environment values, added secrets, credential shapes and credential fields', () => {
    process.env.TEST_LOGGER_API_KEY = 'env-secret-value-123456';
    try {
      const out = capture();
      addLogSecrets(['org-secret-value-abcdef']);
      const log = getLogger();
      log.info(`calling with env-secret-value-123456 and org-secret-value-abcdef`);
      log.info({ detail: 'token sk-ant-abcdefghijklmnopqrstuvwx in a field' }, 'field');
      log.info({ headers: { authorization: 'Bearer abc', cookie: 'next-auth.session-token=xyz' }, password: 'hunter22' }, 'request');
      log.error({ err: new Error('connect failed with ghp_abcdefghijklmnopqrstuvwxyz0123') }, 'boom');
      const text = out.lines.join('');
      for (const secret of ['env-secret-value-123456', 'org-secret-value-abcdef', 'sk-ant-abcdefghijklmnopqrstuvwx', 'Bearer abc', 'session-token=xyz', 'hunter22', 'ghp_abcdefghijklmnopqrstuvwxyz0123']) {
        expect(text).not.toContain(secret);
      }
      expect(text.match(/\[redacted\]/g)!.length).toBeGreaterThanOrEqual(7);
      // Still JSON after redaction.
      expect(out.parsed().map((l) => l.msg)).toEqual(['calling with [redacted] and [redacted]', 'field', 'request', 'boom']);
    } finally {
      delete process.env.TEST_LOGGER_API_KEY;
    }
  });

  it('honours LOG_LEVEL, and says so when it names no level', () => {
    let out = capture('warn');
    getLogger().info('hidden');
    getLogger().warn('shown');
    expect(out.parsed().map((l) => l.msg)).toEqual(['shown']);
    out = capture('loud');
    getLogger().info('default level');
    expect(out.parsed().map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'LOG_LEVEL "loud" is not a level (fatal, error, warn, info, debug, trace, silent); using info'],
      ['info', 'default level'],
    ]);
  });

  it('CLI commands log to stderr and keep stdout for their output', () => {
    // `plan` with a missing file: its error message is the CLI's own stderr line; a warning
    // logged by server code in a CLI process goes to stderr as a JSON line, never to stdout.
    const script = `
      const { main } = await import('./server/cli/main.ts');
      const { getLogger } = await import('./server/observability/logger.ts');
      await main(['plan', '/nonexistent.json']);
      getLogger({ component: 'probe' }).warn('a warning from server code');
    `;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LOG_LEVEL: '' } });
    expect(res.stdout).toBe('');
    const jsonLines = res.stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(jsonLines.map((l) => JSON.parse(l))).toMatchObject([{ level: 'warn', msg: 'a warning from server code', component: 'probe', proc: 'cli-plan' }]);
    expect(res.stderr).toContain('nightshift plan: cannot read /nonexistent.json');
  });
});
