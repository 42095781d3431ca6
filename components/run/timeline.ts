/**
 * A task's progress through architect → developer ⇄ QA → reviewer, folded from its live events:
 * which role is working now and since when, how many QA cycles, each role's last verdict, and the
 * task's elapsed time. Pure: the run page's stepper and its tests use it.
 */

export const ROLES = ['architect', 'developer', 'qa', 'reviewer'] as const;
export type RoleKey = (typeof ROLES)[number];

export const ROLE_LABEL: Record<string, string> = { architect: 'Architect', developer: 'Developer', qa: 'QA', reviewer: 'Reviewer', planner: 'Planner' };

export function roleLabel(role: string): string {
  return ROLE_LABEL[role] ?? role.charAt(0).toUpperCase() + role.slice(1);
}

export type StageState = 'waiting' | 'working' | 'done' | 'failed' | 'skipped';

export type Stage = {
  role: RoleKey;
  state: StageState;
  /** Times the role started (the developer and QA once per cycle). */
  runs: number;
  cycle: number;
  startedAt: string | null;
  finishedAt: string | null;
  verdict: string | null;
  summary: string | null;
};

export type Timeline = {
  stages: Stage[];
  /** The highest developer ⇄ QA cycle seen (0 before the developer starts). */
  cycle: number;
  working: { role: string; cycle: number; since: string } | null;
  startedAt: string | null;
  /** When the task ended (its last event), null while it runs. */
  finishedAt: string | null;
  ended: boolean;
};

/** Verdicts that mean the work holds. Others (fail, request_changes, …) mean it does not. */
const GOOD_VERDICTS = new Set(['pass', 'approve', 'approved']);
export type VerdictTone = 'good' | 'bad' | 'neutral';

export function verdictTone(verdict: string | null | undefined): VerdictTone {
  if (!verdict) return 'neutral';
  return GOOD_VERDICTS.has(verdict.toLowerCase()) ? 'good' : 'bad';
}

/** "request_changes" → "changes requested"; verdicts as a person would say them. */
export function verdictLabel(verdict: string): string {
  const v = verdict.toLowerCase();
  if (v === 'pass') return 'passed';
  if (v === 'fail') return 'failed';
  if (v === 'approve') return 'approved';
  if (v === 'request_changes') return 'changes requested';
  return v.replace(/_/g, ' ');
}

type TimelineEvent = { type: string; at: string; role?: string; cycle?: number; state?: string; status?: string; summary?: string; verdict?: string };

const TERMINAL_TASK = new Set(['succeeded', 'failed', 'cancelled', 'dead']);

export function taskTimeline(events: readonly TimelineEvent[], taskStatus?: string): Timeline {
  const stages = new Map<string, Stage>(
    ROLES.map((role) => [role, { role, state: 'waiting', runs: 0, cycle: 0, startedAt: null, finishedAt: null, verdict: null, summary: null } satisfies Stage]),
  );
  let working: Timeline['working'] = null;
  let startedAt: string | null = null;
  let finishedAt: string | null = null;
  let cycle = 0;
  let endedByEvent = false;
  for (const e of events) {
    if (e.type === 'agent.role' && e.role) {
      startedAt ??= e.at;
      const s = stages.get(e.role);
      if (e.state === 'started') {
        working = { role: e.role, cycle: e.cycle ?? 0, since: e.at };
        if (s) {
          s.state = 'working';
          s.runs++;
          s.cycle = e.cycle ?? 0;
          s.startedAt ??= e.at;
          // A new cycle's QA or reviewer has not given its verdict yet.
          s.verdict = null;
        }
        if (e.role === 'developer' || e.role === 'qa') cycle = Math.max(cycle, e.cycle ?? 0);
      } else if (e.state === 'finished') {
        if (working?.role === e.role) working = null;
        if (s) {
          s.state = e.status === 'done' ? 'done' : 'failed';
          s.finishedAt = e.at;
          s.summary = e.summary ?? null;
        }
        finishedAt = e.at;
      }
    } else if (e.type === 'agent.verdict' && e.role) {
      const s = stages.get(e.role);
      if (s) s.verdict = e.verdict ?? null;
    } else if (e.type === 'task.status' && e.status) {
      if (TERMINAL_TASK.has(e.status)) {
        working = null;
        finishedAt = e.at;
        endedByEvent = true;
      } else endedByEvent = false;
    }
  }
  const ended = taskStatus ? TERMINAL_TASK.has(taskStatus) : endedByEvent;
  if (ended) working = null;
  for (const s of stages.values()) {
    if (ended && s.state === 'waiting') s.state = 'skipped';
    // The task ended while this role was at work (cancelled, crashed): it did not finish.
    if (ended && s.state === 'working') s.state = 'failed';
  }
  return { stages: [...stages.values()], cycle, working, startedAt, finishedAt: ended ? finishedAt : null, ended };
}

/** 75_000 → "1:15", 3_725_000 → "1:02:05". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
