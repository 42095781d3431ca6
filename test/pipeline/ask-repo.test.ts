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
});
