import { sql } from 'kysely';
import type { DB } from '../db/client';
import type { EvalFailureFact, FindingFact, MiningFacts, NudgeFact, RecordedFailureFact, RunFact, TaskFact, ToolErrorFact } from '../rsi/types';

/**
 * The facts the reporter mines, read from one organisation's runs created in [since, until):
 * every query is filtered by `org_id`. Runs a calibration made (its eval runs and re-runs) are
 * left out, so the loop never mines its own experiments.
 */

/** Caps per kind of fact: a noisy window is mined from its most recent rows. */
const MAX_RUNS = 5000;
const MAX_EVENTS = 20000;
/** Tool output kept per error: the first lines say what went wrong. */
const TOOL_OUTPUT_CHARS = 600;
/** Arguments kept per error (what the agent tried). */
const TOOL_ARGS_CHARS = 300;

function runsInWindow(db: DB, orgId: string, since: Date, until: Date) {
  return db
    .selectFrom('runs')
    .select('runs.id')
    .where('runs.org_id', '=', orgId)
    .where('runs.created_at', '>=', since)
    .where('runs.created_at', '<', until)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('eval_results')
            .innerJoin('eval_runs', 'eval_runs.id', 'eval_results.eval_run_id')
            .select('eval_results.id')
            .whereRef('eval_results.run_id', '=', 'runs.id')
            .where('eval_results.org_id', '=', orgId)
            .where('eval_runs.purpose', '=', 'calibration'),
        ),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('rsi_calibrations')
            .select('rsi_calibrations.id')
            .where('rsi_calibrations.org_id', '=', orgId)
            .where(sql<boolean>`rsi_calibrations.run_ids ? (runs.id::text)`),
        ),
      ),
    );
}

export async function loadMiningFacts(db: DB, input: { orgId: string; since: Date; until: Date }): Promise<MiningFacts> {
  const { orgId, since, until } = input;
  const window = () => runsInWindow(db, orgId, since, until);

  const runRows = await db
    .selectFrom('runs')
    .innerJoin('specs', 'specs.id', 'runs.spec_id')
    .select(['runs.id', 'runs.project_id', 'runs.status', 'runs.error', 'runs.cost_usd', 'runs.created_at', 'specs.title'])
    .where('runs.org_id', '=', orgId)
    .where('runs.id', 'in', window())
    .orderBy('runs.created_at', 'asc')
    .limit(MAX_RUNS)
    .execute();
  const runs: RunFact[] = runRows.map((r) => ({ runId: r.id, projectId: r.project_id, status: r.status, error: r.error, costUsd: Number(r.cost_usd) || 0, createdAt: new Date(r.created_at), title: r.title }));
  if (!runs.length) return { runs, tasks: [], nudges: [], toolErrors: [], findings: [], evalFailures: [], recorded: [] };
  const runIds = runs.map((r) => r.runId);

  const taskRows = await db
    .selectFrom('tasks')
    .select(['id', 'run_id', 'key', 'title', 'status', 'error', 'remediation_of'])
    .where('org_id', '=', orgId)
    .where('run_id', 'in', runIds)
    .orderBy('created_at', 'asc')
    .execute();
  const tasks: TaskFact[] = taskRows.map((t) => ({ taskId: t.id, runId: t.run_id, key: t.key, title: t.title, status: t.status, error: t.error, remediationOf: t.remediation_of }));

  const eventRows = await db
    .selectFrom('events')
    .select(['run_id', 'type', 'payload'])
    .where('org_id', '=', orgId)
    .where('run_id', 'in', runIds)
    .where((eb) => eb.or([eb('type', '=', 'agent.nudge'), eb.and([eb('type', '=', 'agent.tool'), sql<boolean>`(payload->>'isError') = 'true'`])]))
    .orderBy('seq', 'asc')
    .limit(MAX_EVENTS)
    .execute();
  const nudges: NudgeFact[] = [];
  const toolErrors: ToolErrorFact[] = [];
  for (const e of eventRows) {
    const p = e.payload as Record<string, unknown>;
    const runId = e.run_id!;
    const taskId = String(p.taskId ?? '');
    const role = String(p.role ?? '');
    if (e.type === 'agent.nudge') nudges.push({ runId, taskId, role, detector: String(p.detector ?? ''), message: String(p.message ?? '') });
    else {
      const args = p.args === undefined || p.args === null ? undefined : JSON.stringify(p.args).slice(0, TOOL_ARGS_CHARS);
      toolErrors.push({ runId, taskId, role, toolName: String(p.toolName ?? ''), output: String(p.output ?? '').slice(0, TOOL_OUTPUT_CHARS), ...(args ? { args } : {}) });
    }
  }

  const findingRows = await db
    .selectFrom('review_findings')
    .select(['run_id', 'task_id', 'role', 'rule', 'cluster', 'message', 'file', 'line'])
    .where('org_id', '=', orgId)
    .where('run_id', 'in', runIds)
    .orderBy('created_at', 'asc')
    .limit(MAX_EVENTS)
    .execute();
  const findings: FindingFact[] = findingRows.map((f) => ({ runId: f.run_id, taskId: f.task_id, role: f.role, rule: f.rule, cluster: f.cluster, message: f.message, file: f.file, line: f.line }));

  const evalRows = await db
    .selectFrom('eval_results')
    .innerJoin('eval_runs', 'eval_runs.id', 'eval_results.eval_run_id')
    .select(['eval_results.run_id', 'eval_runs.suite', 'eval_results.task', 'eval_results.status', 'eval_results.reason'])
    .where('eval_results.org_id', '=', orgId)
    .where('eval_results.run_id', 'in', runIds)
    .where('eval_results.status', 'in', ['failed', 'error'])
    .orderBy('eval_results.created_at', 'asc')
    .execute();
  const evalFailures: EvalFailureFact[] = evalRows.map((r) => ({ runId: r.run_id!, suite: r.suite, task: r.task, status: r.status as 'failed' | 'error', reason: r.reason }));

  // Recorded sandbox commands that failed and model calls that ended in an error (issue 15's
  // recordings; absent for runs recorded before them, or pruned by retention).
  const failedRunIds = new Set<string>([...runs.filter((r) => r.status === 'failed').map((r) => r.runId), ...tasks.filter((t) => t.status === 'failed' || t.status === 'dead').map((t) => t.runId), ...evalFailures.map((e) => e.runId)]);
  const recordRows = await db
    .selectFrom('recording_entries')
    .innerJoin('task_recordings', 'task_recordings.task_id', 'recording_entries.task_id')
    .select(['task_recordings.run_id', 'recording_entries.task_id', 'recording_entries.kind', 'recording_entries.role', 'recording_entries.data'])
    .where('recording_entries.org_id', '=', orgId)
    .where('task_recordings.org_id', '=', orgId)
    .where('task_recordings.run_id', 'in', runIds)
    .where((eb) =>
      eb.or([
        eb.and([eb('recording_entries.kind', '=', 'command'), sql<boolean>`((recording_entries.data->>'exitCode')::int <> 0 or (recording_entries.data->>'timedOut') = 'true' or (recording_entries.data->>'oom') = 'true')`]),
        eb.and([eb('recording_entries.kind', '=', 'model'), sql<boolean>`jsonb_path_exists(recording_entries.data, '$.parts[*] ? (@.type == "error")')`]),
      ]),
    )
    .orderBy('recording_entries.created_at', 'asc')
    .limit(MAX_EVENTS)
    .execute();
  const recorded: RecordedFailureFact[] = [];
  for (const r of recordRows) {
    const d = r.data as Record<string, unknown>;
    if (r.kind === 'command') {
      const exit = Number(d.exitCode);
      const environmental = d.timedOut === true || d.oom === true || exit === 126 || exit === 127;
      // A test that fails on the way to a fix is the work, not a failure cause: only commands of
      // failed runs, and commands that could not run at all (not found, timed out, out of memory).
      if (!environmental && !failedRunIds.has(r.run_id)) continue;
      const why = d.timedOut === true ? 'timed out' : d.oom === true ? 'ran out of memory' : `exit ${exit}`;
      const output = `${String(d.stderr ?? '')}\n${String(d.stdout ?? '')}`.trim();
      recorded.push({ runId: r.run_id, taskId: r.task_id, role: r.role, kind: 'command', subject: String(d.command ?? '').slice(0, 200), text: `${why}: ${tellingTail(output)}` });
    } else {
      const parts = (d.parts ?? []) as Array<{ type?: string; message?: string; status?: number }>;
      const err = parts.find((p) => p.type === 'error');
      const model = String((d.digest as { model?: string } | undefined)?.model ?? 'model');
      if (err) recorded.push({ runId: r.run_id, taskId: r.task_id, role: r.role, kind: 'model', subject: model, text: `${err.status ? `HTTP ${err.status}: ` : ''}${err.message ?? 'error'}` });
    }
  }
  return { runs, tasks, nudges, toolErrors, findings, evalFailures, recorded };
}

/** The last lines of a command's output that say something (a failing test, an error). */
function tellingTail(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const telling = lines.filter((l) => /error|fail|not found|cannot|denied|assert|expected/i.test(l));
  return (telling.length ? telling.slice(0, 3) : lines.slice(-3)).join('\n').slice(0, 600);
}
