/**
 * The planner's recording: the same lines as a task's (its model exchanges and read-only tool
 * calls, redacted), under the key `plan`. The planner is the one role that runs outside a task —
 * on the server before its run exists — so its recording is stored apart (`plan_recordings`).
 */
import { git } from '../repos/git';
import { createTaskRecording, type TaskRecording } from './recorder';
import type { RecordingSink } from './types';

export const PLAN_RECORDING_KEY = 'plan';

export async function beginPlanRecording(opts: {
  sinks: RecordingSink[];
  /** Values never to be stored (the organisation's keys and tokens). */
  secrets?: string[];
  /** The run, when it exists already (`nightshift run`); the server's plan-spec job attaches it later. */
  runId: string | null;
  /** The planner workspace's task id (replaced by a placeholder in request digests). */
  planId: string;
  specMarkdown: string;
  model: string;
  workspace: { worktree: { path: string; branch: string }; mirror: { path: string } };
}): Promise<TaskRecording> {
  const cwd = opts.workspace.worktree.path;
  const [baseCommit, baseTree] = await Promise.all([git(['rev-parse', 'HEAD'], { cwd }), git(['rev-parse', 'HEAD^{tree}'], { cwd })]);
  const recording = createTaskRecording({ secrets: opts.secrets, sinks: opts.sinks });
  await recording.begin({
    runId: opts.runId ?? '',
    taskId: opts.planId,
    taskKey: PLAN_RECORDING_KEY,
    title: 'Plan the specification',
    description: opts.specMarkdown,
    criteria: [],
    mode: 'pipeline',
    model: opts.model,
    baseCommit: baseCommit.trim(),
    baseTree: baseTree.trim(),
    volatile: [
      [opts.workspace.worktree.path, '<worktree>'],
      [opts.workspace.mirror.path, '<mirror>'],
      [opts.workspace.worktree.branch, '<branch>'],
    ],
  });
  return recording;
}

/** Ends the planner's recording with its outcome (no commit: the planner changes nothing). */
export async function endPlanRecording(recording: TaskRecording, status: 'planned' | 'failed'): Promise<string[]> {
  const { errors } = await recording.end({ status, commit: null, tree: null });
  return errors;
}
