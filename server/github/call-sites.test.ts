/**
 * A real call site end to end: the project assistant fetches the project's repository from a
 * local smart-HTTP git server that, like GitHub, accepts only the current App installation token.
 * The organisation also has a GITHUB_TOKEN, so this shows the App is preferred where it matters.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { startFakeLlm, type FakeLlm } from '../../test/fake-llm/server';
import { askRepository } from '../pipeline/ask-repo';
import { createUser } from '../services/users';
import { createOrganization } from '../services/orgs';
import { createProject } from '../services/projects';
import { setSecret } from '../services/secrets';
import { startGitHttpServer, type GitHttpServer } from './testing/git-http-server';
import { startLocalGitHubApi, type LocalGitHubApi } from './testing/local-github-api';

const APP_ID = 424242;
const INSTALLATION_ID = 10101010;
const PAT = 'ghp_patThatMustNotBeUsed0123456789abcd';
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const basic = (token: string) => `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

let t: TestDatabase;
let llm: FakeLlm;
let api: LocalGitHubApi;
let gitServer: GitHttpServer;
let dir: string;

async function orgWithSecrets(name: string, secrets: Record<string, string>) {
  const u = await createUser(t.db, { name, email: `${name.toLowerCase()}@calls.test`, password: 'password-123' });
  const org = await createOrganization(t.db, { name, ownerId: u.id });
  const scope = { orgId: org.id, userId: u.id, role: 'owner' as const };
  for (const [k, v] of Object.entries(secrets)) await setSecret(t.db, scope, { name: k, value: v });
  const project = await createProject(t.db, scope, { name: 'widgets', repository: `${gitServer.url}/acme/widgets.git` });
  return { org, project };
}

beforeAll(async () => {
  t = await createTestDatabase('ghcalls');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-ghcalls-'));
  const work = path.join(dir, 'work');
  fs.mkdirSync(path.join(work, 'src'), { recursive: true });
  fs.writeFileSync(path.join(work, 'src', 'auth.js'), 'export function validateSession(token) { return token.length > 10; }\n');
  const git = (cwd: string, ...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...a], { cwd });
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'add', '.');
  git(work, 'commit', '-qm', 'init');
  fs.mkdirSync(path.join(dir, 'root', 'acme'), { recursive: true });
  git(dir, 'clone', '-q', '--bare', work, path.join(dir, 'root', 'acme', 'widgets.git'));

  api = await startLocalGitHubApi({ appId: APP_ID, installationId: INSTALLATION_ID, publicKey, now: Date.now });
  gitServer = await startGitHttpServer({ projectRoot: path.join(dir, 'root'), authorize: (a) => api.minted.length > 0 && a === basic(api.minted.at(-1)!) });
  llm = await startFakeLlm({
    script: (body: { messages?: Array<{ role: string; tool_calls?: unknown[] }> }) => {
      const searched = (body.messages ?? []).some((m) => m.role === 'assistant' && JSON.stringify(m.tool_calls ?? []).includes('search_code'));
      return searched
        ? { toolCalls: [{ name: 'finish', args: { summary: 'Sessions are validated in src/auth.js.' } }] }
        : { toolCalls: [{ name: 'search_code', args: { pattern: 'validateSession' } }] };
    },
  });
  process.env.OPENAI_BASE_URL = `${llm.url}/v1`;
  process.env.OPENAI_API_KEY = 'sk-ghcalls-test-key-123456';
});

afterAll(async () => {
  await llm?.close();
  await gitServer?.close();
  await api?.close();
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('GitHub credentials at the call sites', () => {
  it('fetches with the App installation token, not GITHUB_TOKEN, and keeps it out of the prompt', async () => {
    const { org, project } = await orgWithSecrets('AppOrg', {
      GITHUB_TOKEN: PAT,
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: PEM,
      GITHUB_APP_INSTALLATION_ID: String(INSTALLATION_ID),
      GITHUB_API_URL: api.url,
    });
    const r = await askRepository(t.db, { orgId: org.id, project, question: 'Where are sessions validated?', model: 'openai:fake', dataDir: path.join(dir, 'data') });
    expect(r.answer).toContain('src/auth.js');
    expect(api.minted).toHaveLength(1);
    const token = api.minted[0]!;
    expect(gitServer.authorizations).toContain(basic(token));
    expect(gitServer.authorizations).not.toContain(basic(PAT));
    // The repository content really came through the authenticated fetch and reached the model…
    const sent = JSON.stringify(llm.requests);
    expect(sent).toContain('export function validateSession');
    // …and no credential did.
    for (const secret of [token, PAT, PEM.split('\n')[1]!]) expect(sent).not.toContain(secret);
  });

  it('fails with a clear message when the installation does not exist, never falling back to the token', async () => {
    const { org, project } = await orgWithSecrets('WrongInstall', {
      GITHUB_TOKEN: PAT,
      GITHUB_APP_ID: String(APP_ID),
      GITHUB_APP_PRIVATE_KEY: PEM,
      GITHUB_APP_INSTALLATION_ID: '1',
      GITHUB_API_URL: api.url,
    });
    const before = gitServer.authorizations.length;
    const err = await askRepository(t.db, { orgId: org.id, project, question: 'Anything?', model: 'openai:fake', dataDir: path.join(dir, 'data') }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(new RegExp(`GitHub has no GitHub App ${APP_ID} installation 1 \\(404\\)`));
    expect((err as Error).message).not.toContain(PEM.split('\n')[1]!);
    expect(gitServer.authorizations.length).toBe(before);
  });
});
