import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { authenticateApiToken } from '../../server/services/api-tokens';
import { authenticate, createUser } from '../../server/services/users';

let t: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  t = await createTestDatabase('cli');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-cli-'));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[], input?: string) {
  const res = spawnSync(process.execPath, ['bin/nightshift.js', ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, DATABASE_URL: t.url, NIGHTSHIFT_DATA_DIR: dataDir },
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('admin CLI', () => {
  it('org create prints {id, slug} and creates the owner; token create prints a token stored hashed', async () => {
    const org = cli(['org', 'create', '--name', 'Self Hosted Inc', '--owner-email', 'ops@selfhosted.test']);
    expect(org.code, org.stderr).toBe(0);
    const lines = org.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const { id, slug } = JSON.parse(lines[0]);
    expect(slug).toBe('self-hosted-inc');
    const owner = await t.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.email', 'memberships.role'])
      .where('memberships.org_id', '=', id)
      .execute();
    expect(owner).toEqual([{ email: 'ops@selfhosted.test', role: 'owner' }]);

    const tok = cli(['token', 'create', '--org', slug, '--name', 'ci']);
    expect(tok.code, tok.stderr).toBe(0);
    const { token } = JSON.parse(tok.stdout.trim());
    expect(token).toMatch(/^nst_/);
    const stored = await t.db.selectFrom('api_tokens').select('token_hash').where('org_id', '=', id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    expect(await authenticateApiToken(t.db, token)).toMatchObject({ orgId: id });
    expect(await authenticateApiToken(t.db, token + 'x')).toBeNull();
  });

  it('user set-password: takes the password on stdin, ends every session and lifts sign-in blocks', async () => {
    const u = await createUser(t.db, { name: 'Locked', email: 'locked@selfhosted.test', password: 'old-password-1' });
    await t.db.insertInto('auth_throttle').values({ key: 'signin:locked@selfhosted.test|198.51.100.1', failures: 10, blocked_until: new Date(Date.now() + 3600_000), last_allowed: false, budget_limit: 10, delay_ms: 60_000, reset_ms: 86_400_000 }).execute();
    const res = cli(['user', 'set-password', '--email', 'Locked@selfhosted.test'], 'new-password-2\n');
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ email: 'locked@selfhosted.test', sessionsRevoked: true });
    expect(await authenticate(t.db, { email: 'locked@selfhosted.test', password: 'new-password-2', ip: '198.51.100.1' })).toMatchObject({ id: u.id });
    expect((await t.db.selectFrom('users').select('session_version').where('id', '=', u.id).executeTakeFirstOrThrow()).session_version).toBe(1);
    const short = cli(['user', 'set-password', '--email', 'locked@selfhosted.test'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 8 characters/);
    const nobody = cli(['user', 'set-password', '--email', 'nobody@selfhosted.test'], 'whatever-long\n');
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/no account with email/);
  });

  it('refuses bad input with a clear message and exit code 2', () => {
    const bad = cli(['org', 'create', '--name', 'X', '--owner-email', 'not-an-email']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--owner-email: must be a valid email address/);
    const missing = cli(['token', 'create', '--org', 'no-such-org', '--name', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no organization with slug "no-such-org"/);
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
