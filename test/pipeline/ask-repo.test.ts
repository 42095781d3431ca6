import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeLlm, type FakeLlm } from '../fake-llm/server';
import { askRepository } from '../../server/pipeline/ask-repo';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { setSecret } from '../../server/services/secrets';
import { setDefaultModels } from '../../server/services/agent-settings';
import { createCallerFactory } from '../../server/api/trpc';
import { chatRouter } from '../../server/api/routers/chat';
import { userContext } from '../support/trpc';

/** The project assistant: a read-only explorer on a fresh worktree answers questions about the code. */
let t: TestDatabase;
let llm: FakeLlm;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase('ask');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-ask-'));
  const repo = path.join(dir, 'repo');
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'src', 'auth.js'), 'export function validateSession(token) { return token.length > 10; }\n');
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...a], { cwd: repo });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'init');
  llm = await startFakeLlm({
    script: (body: { messages?: Array<{ role: string; tool_calls?: unknown[] }> }) => {
      const searched = (body.messages ?? []).some((m) => m.role === 'assistant' && JSON.stringify(m.tool_calls ?? []).includes('search_code'));
      return searched
        ? { toolCalls: [{ name: 'finish', args: { summary: 'Sessions are validated in src/auth.js by validateSession(token).', findings: [{ title: 'validateSession', detail: 'token length > 10', files: ['src/auth.js'] }] } }] }
        : { toolCalls: [{ name: 'search_code', args: { pattern: 'validateSession' } }] };
    },
  });
  process.env.OPENAI_BASE_URL = `${llm.url}/v1`;
  process.env.OPENAI_API_KEY = 'sk-ask-test-key-123456';
});

afterAll(async () => {
  await llm?.close();
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('project assistant', () => {
  it('answers from the code, citing files, without touching the checkout', async () => {
    const u = await createUser(t.db, { name: 'Q', email: 'q@example.com', password: 'question-1' });
    const org = await createOrganization(t.db, { name: 'Ask', ownerId: u.id });
    const scope = { orgId: org.id, userId: u.id, role: 'owner' as const };
    const project = await createProject(t.db, scope, { name: 'app', repository: path.join(dir, 'repo') });
    const r = await askRepository(t.db, { orgId: org.id, project, question: 'Where are sessions validated?', model: 'openai:fake', dataDir: path.join(dir, 'data') });
    expect(r.answer).toContain('src/auth.js');
    expect(r.answer).toContain('validateSession: token length > 10 (src/auth.js)');
    // The explorer really searched the repository: the tool result reached the model.
    expect(JSON.stringify(llm.requests.at(-1))).toContain('export function validateSession');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: path.join(dir, 'repo'), encoding: 'utf8' })).toBe('');
  });

  it("asks with the organisation's model and keys, not the deployment default (Ask used to ignore them)", async () => {
    const u = await createUser(t.db, { name: 'R', email: 'r@example.com', password: 'question-2' });
    const org = await createOrganization(t.db, { name: 'Ask Org Models', ownerId: u.id });
    const scope = { orgId: org.id, userId: u.id, role: 'owner' as const };
    // Not the instance's first organisation: a checkout of its own in a root granted to it.
    const repo2 = path.join(dir, 'granted', 'repo');
    execFileSync('git', ['clone', '-q', path.join(dir, 'repo'), repo2]);
    const policy = process.env.NIGHTSHIFT_LOCAL_REPOS;
    process.env.NIGHTSHIFT_LOCAL_REPOS = `${org.slug}=${path.join(dir, 'granted')}`;
    const project = await createProject(t.db, scope, { name: 'app', repository: repo2 });
    await setSecret(t.db, scope, { name: 'OPENAI_BASE_URL', value: `${llm.url}/v1` });
    await setSecret(t.db, scope, { name: 'OPENAI_API_KEY', value: 'sk-org-own-key-654321' });
    await setDefaultModels(t.db, scope, { models: {}, defaultModel: 'openai:org-chosen-model' });
    const before = llm.received.length;
    const saved = process.env.NIGHTSHIFT_DATA_DIR;
    process.env.NIGHTSHIFT_DATA_DIR = path.join(dir, 'data-router');
    try {
      const ask = createCallerFactory(chatRouter)(userContext(t.db, u.id));
      const r = await ask.ask({ orgId: org.id, projectId: project.id, question: 'Where are sessions validated?' });
      expect(r.answer).toContain('src/auth.js');
    } finally {
      for (const [k, v] of [['NIGHTSHIFT_DATA_DIR', saved], ['NIGHTSHIFT_LOCAL_REPOS', policy]] as const) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const asked = llm.received.slice(before);
    expect(asked.length).toBeGreaterThan(0);
    for (const req of asked) {
      expect(req.body.model).toBe('org-chosen-model');
      expect(req.headers.authorization).toBe('Bearer sk-org-own-key-654321');
    }
  });
});
