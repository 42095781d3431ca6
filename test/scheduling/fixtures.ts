import crypto from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { DB } from '../../server/db/client';
import { createUser } from '../../server/services/users';
import { createOrganization, updateOrganizationSettings } from '../../server/services/orgs';
import { createProject } from '../../server/services/projects';
import { createSpec, submitSpec } from '../../server/services/specs';
import type { OrgScope } from '../../server/services/scope';
import { createBoss } from '../../jobs/boss';
import { createPublisher } from '../../server/realtime/publish';
import { planRunJob } from '../../jobs/scheduler/plan-run';
import type { JobDefinition } from '../../jobs/definition';
import { taskDeadLetterJob } from '../../jobs/scheduler/dead-letter';
import { startScheduler, type Scheduler } from '../../jobs/scheduler/scheduler';
import { schedulerSettings, type SchedulerSettings } from '../../jobs/scheduler/constants';
import { ensureSchedulerQueues } from '../../jobs/scheduler/queues';
import type { TaskExecutor } from '../../jobs/scheduler/types';
import type pg from 'pg';

/**
 * The smallest spec the gate lets through at threshold 0: it has a testable criterion (a spec with
 * none, or with an open clarification, is blocked at any threshold).
 */
const FIXTURE_SPEC = [
  '# Scheduling fixture',
  '',
  '## What to build',
  'A `greet(name)` function in `src/greet.js` that returns `Hello, <name>!` for the given name.',
  '',
  '## Acceptance criteria',
  "- Given the name `Ada`, when `greet('Ada')` is called, then it returns `Hello, Ada!`.",
  '',
].join('\n');

/** An organisation with an owner, a project and an accepted spec (threshold 0: specs are not under test here). */
export async function setupOrg(db: DB, label = 'org') {
  const id = crypto.randomBytes(3).toString('hex');
  const user = await createUser(db, { name: `Owner ${id}`, email: `owner-${id}@example.test`, password: 'password-123' });
  const org = await createOrganization(db, { name: `${label} ${id}`, ownerId: user.id });
  const scope: OrgScope = { orgId: org.id, userId: user.id, role: 'owner' };
  await updateOrganizationSettings(db, scope, { specThreshold: 0 });
  const project = await createProject(db, scope, { name: `proj-${id}`, repository: 'https://example.test/repo.git' });
  const spec = await createSpec(db, scope, { projectId: project.id, title: 'Scheduling fixture', markdown: FIXTURE_SPEC });
  await submitSpec(db, scope, { specId: spec.id });
  return { user, org, scope, project, spec };
}

export function task(id: string, files: string[], dependsOn: string[] = [], repo?: string) {
  return { id, title: `Task ${id}`, description: `Do ${id}`, files, dependsOn, ...(repo ? { repo } : {}) };
}

export type TestWorker = { boss: PgBoss; scheduler: Scheduler; stop(): Promise<void> };

/** A worker in this process: pg-boss, the plan-run and dead-letter queues, and a scheduler. */
export async function startTestWorker(
  t: { db: DB; pool: pg.Pool; url: string },
  executor: TaskExecutor,
  overrides: Partial<SchedulerSettings> = {},
): Promise<TestWorker> {
  const boss = createBoss(t.url);
  await boss.start();
  const settings = schedulerSettings(overrides);
  await ensureSchedulerQueues(boss, settings);
  const publish = createPublisher(t.db, t.pool);
  // One id for the job handlers and the scheduler, whose liveness lock stands for both.
  const workerId = `test-${crypto.randomBytes(3).toString('hex')}`;
  const ctx = { db: t.db, boss, publish, workerId };
  for (const job of [planRunJob, taskDeadLetterJob] as const) {
    await boss.work(job.id, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const j of jobs) await (job.handler as JobDefinition['handler'])(job.payload.parse(j.data), ctx, j);
    });
  }
  const scheduler = await startScheduler({ db: t.db, boss, publish, connectionString: t.url, executor, settings: overrides, workerId, log: () => {} });
  return {
    boss,
    scheduler,
    async stop() {
      await scheduler.stop();
      await boss.stop({ graceful: false, wait: true, timeout: 2000 }).catch(() => {});
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false && v !== null) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
