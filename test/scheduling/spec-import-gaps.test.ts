import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { startFakeLlm, type FakeLlm, type Turn } from '../fake-llm/server';
import { appRouter } from '../../server/api/router';
import { createCallerFactory } from '../../server/api/trpc';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { planSpecJob } from '../../jobs/plan-spec';

/**
 * A Spec Kit import whose tasks.md leaves a gap (an open task that names no file): planning asks
 * the planner agent — the fake model server, speaking OpenAI's wire protocol — only to fill it.
 * What the planner was asked, and how its answer is folded in: the gap gets the planner's files,
 * the team's tasks keep their own files, descriptions and order whatever the planner says, done
 * tasks stay out, and a task the planner adds for an uncovered part comes after.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const FOLDER = path.join(here, '../fixtures/speckit/habit-tracker');
const createCaller = createCallerFactory(appRouter);

type Msg = { role: string; content?: unknown; tool_calls?: Array<{ function?: { name?: string } }> };
const text = (c: unknown) => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((x) => (x as { text?: string }).text ?? '').join('') : '');

/** The browser's folder upload, with T005's file taken out of tasks.md (the gap). */
function folderFiles(): Array<{ path: string; content: string }> {
  const out: Array<{ path: string; content: string }> = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p, `${rel}/${e}`);
      else out.push({ path: `${rel}/${e}`, content: readFileSync(p, 'utf8') });
    }
  };
  walk(FOLDER, 'habit-tracker');
  const tasks = out.find((f) => f.path === 'habit-tracker/tasks.md')!;
  const line = '- [ ] T005 [P] Name validation (1–40 characters) in habit/validation.py';
  expect(tasks.content).toContain(line);
  tasks.content = tasks.content.replace(line, '- [ ] T005 [P] Name validation (1–40 characters)');
  return out;
}

let t: TestDatabase;
let llm: FakeLlm;
let root: string;
const plannerAsked: string[] = [];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  t = await createTestDatabase('specgaps');
  llm = await startFakeLlm({
    script: (body): Turn => {
      const messages = ((body as { messages?: Msg[] }).messages ?? []) as Msg[];
      const called = (name: string) => messages.some((m) => m.role === 'assistant' && (m.tool_calls ?? []).some((c) => c.function?.name === name));
      const call = (name: string, args: Record<string, unknown>): Turn => ({ toolCalls: [{ name, args }] });
      if (!called('list_files')) {
        plannerAsked.push(messages.filter((m) => m.role === 'user').map((m) => text(m.content)).join('\n'));
        return call('list_files', { path: '.' });
      }
      if (!called('submit_plan')) {
        // As asked: every listed task again (same id, title, dependsOn), the gap filled, one task added.
        const asked = plannerAsked[plannerAsked.length - 1];
        const block = asked.slice(asked.indexOf('Tasks from tasks.md:\n'), asked.indexOf('\nThe spec:'));
        const lines = block.split('\n').filter((l) => /^- [A-Z]\w*: /.test(l));
        const listed = lines.map((l) => {
          const id = l.slice(2, l.indexOf(':'));
          const files = /\(files: ([^)]*)\)/.exec(l)?.[1] ?? '?';
          const after = /\[after ([^\]]*)\]/.exec(l)?.[1];
          return { id, title: l.slice(l.indexOf(':') + 2).replace(/ \(files:.*$/, ''), files: files === '?' ? [] : files.split(', '), dependsOn: after ? after.split(', ') : [] };
        });
        const tasks = listed.map((x) => {
          if (x.id === 'T005') return { ...x, description: 'Validate names.', files: ['habit/validation.py'] };
          // The planner "rewrites" a team task: the team's version must win.
          if (x.id === 'T006') return { ...x, description: 'Planner wording.', files: ['somewhere/else.py'] };
          return { ...x, description: x.title };
        });
        tasks.push({ id: 'G1', title: 'Document the streaks command', description: 'README section for `habit streaks` (no task covers the docs).', files: ['README.md'], dependsOn: ['T012'] });
        return call('submit_plan', { tasks });
      }
      return call('finish', { summary: 'Filled T005 and added G1.' });
    },
  });
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-gaps-')));
  const repo = path.join(root, 'habits');
  fs.mkdirSync(path.join(repo, 'habit'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'habit', '__init__.py'), '');
  fs.writeFileSync(path.join(repo, 'habit', 'main.py'), 'import argparse\n');
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...a], { cwd: repo });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'init');
  for (const [k, v] of Object.entries({ NIGHTSHIFT_DATA_DIR: path.join(root, 'data'), OPENAI_BASE_URL: `${llm.url}/v1`, OPENAI_API_KEY: 'sk-test-not-a-real-key-123456', NIGHTSHIFT_LOCAL_REPOS: undefined })) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

afterAll(async () => {
  await llm?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await t?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('an import with a gap', () => {
  it('asks the planner only to fill it, and keeps the team’s tasks as written', async () => {
    const u = await createUser(t.db, { name: 'Owner', email: 'owner@gaps.test', password: 'password-123' });
    const orgId = (await createOrganization(t.db, { name: 'Gaps Inc', ownerId: u.id })).id;
    const owner = createCaller({ db: t.db, userId: u.id, apiToken: null, ip: null });
    const projectId = (await owner.project.create({ orgId, name: 'habits', repository: path.join(root, 'habits') })).id;
    const spec = await owner.spec.importSpecKit({ orgId, projectId, files: folderFiles() });
    expect(spec.tasks).toBe(18);
    await owner.spec.submit({ orgId, specId: spec.id });

    const events: Array<{ error?: string }> = [];
    const result = (await planSpecJob.handler(
      { orgId, specId: spec.id, userId: u.id, model: 'openai:fake' },
      { db: t.db, boss: null as never, publish: async (_org, e) => {
        events.push(e as { error?: string });
        return {} as never;
      }, workerId: 'test' },
    )) as { runId?: string; fromImport?: boolean; error?: string };
    const tools = JSON.stringify(llm.requests.map((r) => (r as { messages?: Msg[] }).messages?.filter((m) => m.role === 'tool').map((m) => text(m.content))));
    expect(events.map((e) => e.error), tools.slice(-1500)).toEqual([undefined]);
    expect(result.error).toBeUndefined();
    expect(result.runId).toBeTruthy();

    // The planner was asked once, about the gap, with the team's tasks listed.
    expect(plannerAsked).toHaveLength(1);
    expect(plannerAsked[0]).toContain('fill in `files` for the tasks marked "files: ?" (T005)');
    expect(plannerAsked[0]).toContain('- T006: ');
    expect(plannerAsked[0]).toContain('Tasks T001, T002, T003, T003b are already done');

    const run = await t.db.selectFrom('runs').select(['plan']).where('id', '=', result.runId!).executeTakeFirstOrThrow();
    const plan = run.plan as { waves: string[][]; done?: string[] };
    expect(plan.done).toEqual(['T001', 'T002', 'T003', 'T003b']);
    const planned = plan.waves.flat();
    expect(planned).toHaveLength(15); // the 14 open tasks and G1
    expect(planned).not.toContain('T001');
    const waveOf = (id: string) => plan.waves.findIndex((w) => w.includes(id));
    expect(waveOf('G1')).toBeGreaterThan(waveOf('T012'));
    expect(waveOf('T006')).toBeGreaterThan(waveOf('T004')); // the team's "Depends on T004" kept

    const tasks = await t.db.selectFrom('tasks').select(['key', 'description', 'files']).where('run_id', '=', result.runId!).execute();
    const byKey = new Map(tasks.map((x) => [x.key, x]));
    expect(byKey.get('T005')?.files).toEqual(['habit/validation.py']);
    const imported = (await owner.spec.get({ orgId, specId: spec.id })).importedTasks as Array<{ id: string; files: string[] }>;
    const teamFiles = imported.find((x) => x.id === 'T006')!.files;
    expect(teamFiles).toContain('habit/store.py');
    expect(byKey.get('T006')?.files).toEqual(teamFiles);
    expect(byKey.get('T006')?.description).toContain('Writes to a temp file then `os.replace`');
    expect(byKey.get('G1')?.files).toEqual(['README.md']);
  });
});
