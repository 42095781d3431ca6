import { unprovenCriteria } from '../recording/evidence';
import { splitFindings } from './remediation';
import {
  MAX_QA_CYCLES,
  PIPELINE_ROLES,
  type CycleRecord,
  type Finding,
  type PipelineResult,
  type PipelineRole,
  type RoleInput,
  type RoleOutcome,
  type RoleRunner,
  type RoleUsage,
} from './types';

/** Where a task's pipeline stands; saved after every role so a crashed worker resumes here. */
export type PipelineState = { architect?: RoleOutcome; cycles: CycleRecord[]; remediation: Finding[] };

export type PipelineEvent =
  | { type: 'role.start'; role: PipelineRole; cycle: number }
  | { type: 'role.end'; role: PipelineRole; cycle: number; outcome: RoleOutcome };

export type PipelineOptions = {
  task: { key: string; title: string; description: string; files: string[] };
  acceptanceCriteria: string[];
  runRole: RoleRunner;
  maxQaCycles?: number;
  resume?: PipelineState | null;
  onState?: (state: PipelineState) => Promise<void>;
  onEvent?: (event: PipelineEvent) => void;
  signal?: AbortSignal;
  /**
   * Deterministic findings on the developer's change (the viability diff guard), run after QA:
   * they join QA's findings, so a change that adds a known pattern goes back to the developer
   * whether or not QA's model noticed it.
   */
  guard?: (cycle: number) => Promise<Finding[]>;
};

const zeroUsage = (): RoleUsage => ({ inputTokens: 0, outputTokens: 0, costUsd: 0 });

function withIds(findings: Finding[] | undefined, prefix: string): Finding[] {
  return (findings ?? []).map((f, i) => ({ ...f, id: f.id || `${prefix}-${i + 1}` }));
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.category ?? ''}|${f.file ?? ''}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * architect → developer ⇄ QA (at most `maxQaCycles` cycles) → reviewer. QA's findings reach the
 * developer as a structured message; the developer may contest one with evidence and QA answers
 * on its next pass; the reviewer's request for changes starts another cycle under the same cap.
 * Complex findings are split off as remediation instead of blocking the task.
 */
export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const maxCycles = opts.maxQaCycles ?? MAX_QA_CYCLES;
  const state: PipelineState = opts.resume ? structuredClone(opts.resume) : { cycles: [], remediation: [] };
  const base = { objective: `${opts.task.title}\n\n${opts.task.description}`, acceptanceCriteria: opts.acceptanceCriteria, files: opts.task.files };

  const act = async (role: PipelineRole, cycle: number, extra: Partial<RoleInput>): Promise<RoleOutcome> => {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('cancelled');
    opts.onEvent?.({ type: 'role.start', role, cycle });
    const outcome = await opts.runRole({ role, cycle, ...base, ...extra });
    opts.onEvent?.({ type: 'role.end', role, cycle, outcome });
    return outcome;
  };
  const save = () => opts.onState?.(state) ?? Promise.resolve();
  const finish = (status: PipelineResult['status'], openFindings: Finding[], reason?: string, capHit?: PipelineResult['capHit']): PipelineResult => {
    const usageByRole = Object.fromEntries(PIPELINE_ROLES.map((r) => [r, zeroUsage()])) as Record<PipelineRole, RoleUsage>;
    const promptVersions: Record<string, string> = {};
    const add = (role: PipelineRole, o?: RoleOutcome) => {
      if (!o) return;
      usageByRole[role].inputTokens += o.usage.inputTokens;
      usageByRole[role].outputTokens += o.usage.outputTokens;
      usageByRole[role].costUsd += o.usage.costUsd;
      Object.assign(promptVersions, o.promptVersions ?? {});
    };
    add('architect', state.architect);
    for (const c of state.cycles) {
      add('developer', c.developer);
      add('qa', c.qa);
      add('reviewer', c.reviewer);
    }
    return { status, reason, architect: state.architect!, cycles: state.cycles, openFindings, remediation: dedupe(state.remediation), usageByRole, promptVersions, ...(capHit ? { capHit } : {}) };
  };

  if (!state.architect) {
    state.architect = await act('architect', 0, {});
    await save();
  }
  if (state.architect.status !== 'done') return finish('failed', [], `architect did not finish: ${state.architect.reason ?? state.architect.status}`);
  const architectPlan = state.architect.finish?.summary ?? '';

  // What the developer must address in the coming cycle: the last cycle's unresolved findings.
  let open: Finding[] = [];
  const last = state.cycles.at(-1);
  if (last) {
    const resumed = await continueCycle(last);
    if (resumed) return resumed;
  }

  while (state.cycles.length < maxCycles) {
    const cycle = state.cycles.length + 1;
    const developer = await act('developer', cycle, { architectPlan, findings: open });
    const record: CycleRecord = { cycle, developer, contested: developer.finish?.contested ?? [], withdrawn: [] };
    state.cycles.push(record);
    await save();
    const done = await continueCycle(record);
    if (done) return done;
  }
  return finish('failed', open, `QA and review did not converge in ${maxCycles} cycles`, { maxQaCycles: maxCycles });

  /** Runs what is left of a cycle (QA, then the reviewer); returns a result when the task ends. */
  async function continueCycle(record: CycleRecord): Promise<PipelineResult | null> {
    const cycle = record.cycle;
    if (record.developer.status !== 'done') return finish('failed', open, `developer did not finish: ${record.developer.reason ?? record.developer.status}`);
    if (!record.qa) {
      const contested = record.contested
        .map((c) => ({ ...c, finding: open.find((f) => f.id === c.findingId) }))
        .filter((c): c is typeof c & { finding: Finding } => !!c.finding);
      record.qa = await act('qa', cycle, { architectPlan, developerSummary: record.developer.finish?.summary, findings: open, contested });
      await save();
    }
    const qa = record.qa;
    if (qa.status !== 'done') return finish('failed', open, `QA did not finish: ${qa.reason ?? qa.status}`);
    let qaFindings = withIds(qa.finish?.findings, `c${cycle}-qa`);
    record.withdrawn = record.contested.map((c) => c.findingId).filter((id) => !qaFindings.some((f) => f.id === id));
    const qaSplit = splitFindings(qaFindings, opts.task.files);
    state.remediation.push(...qaSplit.complex);
    qaFindings = qaSplit.simple;
    if (qa.finish?.verdict === 'fail' && qaFindings.length === 0 && qaSplit.complex.length === 0) {
      qaFindings = [{ id: `c${cycle}-qa-1`, message: qa.finish.summary || 'QA failed without naming a finding', category: 'acceptance' }];
    }
    // A pass counts only with recorded evidence for every criterion (QA's finish checks it; a
    // pass without it, from anywhere, is never an approval).
    const towardsReview = qa.finish?.verdict === 'pass' || qaFindings.length === 0;
    const unproven = towardsReview ? unprovenCriteria(opts.acceptanceCriteria.length, qa.finish?.criteria) : [];
    if (unproven.length) {
      qaFindings = [...qaFindings, { id: `c${cycle}-qa-evidence`, message: `QA passed without recorded evidence for criterion ${unproven.join(', ')}: each criterion needs a check that ran in the sandbox, a file in the change or a web-tester step`, category: 'acceptance' }];
    }
    // The guard's findings are on lines the developer wrote: always the task's own to fix.
    if (opts.guard) record.guard = withIds(await opts.guard(cycle), `c${cycle}-guard`);
    qaFindings = [...qaFindings, ...(record.guard ?? [])];
    if ((qa.finish?.verdict !== 'pass' || unproven.length || record.guard?.length) && qaFindings.length > 0) {
      open = qaFindings;
      await save();
      return null;
    }

    if (!record.reviewer) {
      record.reviewer = await act('reviewer', cycle, { architectPlan, developerSummary: record.developer.finish?.summary, qaSummary: qa.finish?.summary });
      await save();
    }
    const reviewer = record.reviewer;
    if (reviewer.status !== 'done') return finish('failed', open, `reviewer did not finish: ${reviewer.reason ?? reviewer.status}`);
    const reviewSplit = splitFindings(withIds(reviewer.finish?.findings, `c${cycle}-review`), opts.task.files);
    state.remediation.push(...reviewSplit.complex);
    if (reviewer.finish?.verdict === 'approve' || reviewSplit.simple.length === 0) {
      await save();
      return finish('approved', []);
    }
    open = reviewSplit.simple;
    await save();
    return null;
  }
}
