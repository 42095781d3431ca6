import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { authenticateApiToken } from '../../server/services/api-tokens';

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

function cli(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/nightshift.js', ...args], {
    encoding: 'utf8',
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
