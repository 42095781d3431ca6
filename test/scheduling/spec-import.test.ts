import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { appRouter } from '../../server/api/router';
import { createCallerFactory } from '../../server/api/trpc';
import { createUser } from '../../server/services/users';
import { createOrganization } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { planSpecJob } from '../../jobs/plan-spec';
import type { RealtimeEvent } from '../../server/realtime/events';
import { errorCode } from '../support/trpc';

/**
 * A spec created in the browser from a Spec Kit folder: the folder's files go through
 * spec.importSpecKit, the spec keeps tasks.md as its plan, and planning turns the open imported
 * tasks into the run (done ones listed, not planned) without asking the planner agent.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const FOLDERS = path.join(here, '../fixtures/speckit');
const createCaller = createCallerFactory(appRouter);

/** The files of a folder as the browser sends them: paths start with the chosen folder's name. */
function folderFiles(name: string): Array<{ path: string; content: string }> {
  const out: Array<{ path: string; content: string }> = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p, `${rel}/${e}`);
      else out.push({ path: `${rel}/${e}`, content: readFileSync(p, 'utf8') });
    }
  };
  walk(path.join(FOLDERS, name), name);
  return out;
}

let t: TestDatabase;
let owner: ReturnType<typeof createCaller>;
let orgId: string;
let projectId: string;
let userId: string;

beforeAll(async () => {
  t = await createTestDatabase('specimport');
  const u = await createUser(t.db, { name: 'Owner', email: 'owner@import.test', password: 'password-123' });
  userId = u.id;
  const org = await createOrganization(t.db, { name: 'Import Inc', ownerId: u.id });
  orgId = org.id;
  projectId = (await createProject(t.db, { orgId, userId: u.id, role: 'owner' }, { name: 'habits', repository: 'https://example.test/habits.git' })).id;
  owner = createCaller({ db: t.db, userId: u.id, apiToken: null, ip: null });
});
afterAll(async () => {
  await t?.close();
});

describe('a spec from a Spec Kit import', () => {
  it('keeps the folder as the spec, tasks.md as its plan, and plans the open tasks without the planner agent', async () => {
    const spec = await owner.spec.importSpecKit({ orgId, projectId, files: folderFiles('habit-tracker') });
    expect(spec.title).toBe('Habit streaks in the CLI');
    expect(spec.tasks).toBe(18);
    expect(spec.doneTasks).toBe(4);
    expect(spec.documents).toContain('data-model.md');
    expect(spec.accepted).toBe(true);
    expect(spec.markdown).toContain('## Tasks (tasks.md)');
    const stored = await owner.spec.get({ orgId, specId: spec.id });
    expect((stored.importedTasks as Array<{ id: string }>).map((x) => x.id)).toContain('T003b');
    expect(stored.importWarnings).toEqual(spec.warnings);

    await owner.spec.submit({ orgId, specId: spec.id });
    const events: RealtimeEvent[] = [];
    const result = (await planSpecJob.handler(
      { orgId, specId: spec.id, userId, model: 'openai:fake' },
      { db: t.db, boss: null as never, publish: async (_org, e) => {
        events.push(e);
        return { id: events.length, orgId, event: e } as never;
      }, workerId: 'test' },
    )) as { runId: string; fromImport?: boolean; error?: string };
    expect(result.error).toBeUndefined();
    expect(result.fromImport).toBe(true);
    expect(events).toEqual([{ type: 'spec.planned', specId: spec.id, runId: result.runId }]);

    const run = await t.db.selectFrom('runs').select(['plan', 'status']).where('id', '=', result.runId).executeTakeFirstOrThrow();
    const plan = run.plan as { waves: string[][]; done?: string[] };
    expect(run.status).toBe('queued');
    expect(plan.done).toEqual(['T001', 'T002', 'T003', 'T003b']);
    const planned = plan.waves.flat();
    expect(planned).toHaveLength(14);
    for (const id of plan.done!) expect(planned).not.toContain(id);
    const waveOf = (id: string) => plan.waves.findIndex((w) => w.includes(id));
    expect(waveOf('T012')).toBeGreaterThan(waveOf('T009')); // both register a command in habit/main.py
    expect(waveOf('T006')).toBeGreaterThan(waveOf('T004')); // "Depends on T004"
    const tasks = await t.db.selectFrom('tasks').select(['key', 'description']).where('run_id', '=', result.runId).execute();
    expect(tasks.find((x) => x.key === 'T010')?.description).toContain('This task was started before ([~] in tasks.md)');
  });

  it('refuses a folder whose tasks form a dependency cycle, naming it', async () => {
    const call = () => owner.spec.importSpecKit({ orgId, projectId, files: folderFiles('cycle') });
    expect(await errorCode(call())).toBe('BAD_REQUEST');
    await expect(call()).rejects.toThrow('T002 → T003 → T002');
  });

  it('refuses a folder without spec.md', async () => {
    const call = () => owner.spec.importSpecKit({ orgId, projectId, files: [{ path: 'x/tasks.md', content: '- [ ] T001 a in a.py' }] });
    expect(await errorCode(call())).toBe('BAD_REQUEST');
    await expect(call()).rejects.toThrow('no spec.md');
  });
});

describe('one title', () => {
  it('takes the first # heading of the text as the title, and keeps the given title when there is none', async () => {
    const a = await owner.spec.create({ orgId, projectId, title: 'Typed in the field', markdown: '# Export bookmarks\n\n## Goal\n\nx\n' });
    expect(a.title).toBe('Export bookmarks');
    const b = await owner.spec.create({ orgId, projectId, title: 'No heading', markdown: 'Just text.\n' });
    expect(b.title).toBe('No heading');
    const c = await owner.spec.update({ orgId, specId: a.id, markdown: '# Export bookmarks as CSV\n\nx\n' });
    expect(c.title).toBe('Export bookmarks as CSV');
  });
});
