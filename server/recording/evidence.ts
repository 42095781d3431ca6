/**
 * Verification that cannot be faked: QA's evidence for an acceptance criterion must point at
 * something that happened in this task — a sandbox command it ran in this cycle (recorded with its
 * exit code), a step of its web tester, or a file in the change. Each claim is checked against the
 * recording when QA calls `finish`; a claim with no matching record is refused with what did happen.
 */
import { git } from '../repos/git';

/** What QA cites for a criterion (the `finish` tool's argument). */
export type Citation = { command?: string; exit_code?: number; file?: string; web_step?: number; shows?: string };

/** A citation checked against the recording. `seq` is the recorded command's place in the task's recording. */
export type Proof =
  | { kind: 'command'; command: string; exitCode: number; seq: number; shows?: string }
  | { kind: 'file'; path: string; shows?: string }
  | { kind: 'web'; step: number; action: string; shows?: string };

export type CriterionClaim = { criterion: number; met: boolean; evidence: Citation[] };
export type ProvenCriterion = { criterion: number; met: boolean; evidence: string; proof: Proof[] };

/** What actually happened in QA's pass, as the harness recorded it. */
export type EvidenceSource = {
  /** Commands QA ran in the sandbox this cycle, in order. */
  commands(): Array<{ command: string; exitCode: number; seq: number }>;
  /** The web tester's transcript of this cycle: step n is line n. */
  webSteps(): string[];
  /** Files the change touches (added, modified, deleted) against the task's base. */
  changedFiles(): Promise<string[]>;
};

const clean = (command: string) => command.trim().replace(/^\$\s+/, '').replace(/\s+/g, ' ');
const cleanPath = (p: string) => p.trim().replace(/^\/workspace\//, '').replace(/^\.\//, '');
const tick = (s: string) => `\`${s.length > 80 ? `${s.slice(0, 80)}…` : s}\``;

/** One line per citation, for the verification report and the reviewer. */
export function describeProof(p: Proof): string {
  const shows = p.shows ? ` — ${p.shows}` : '';
  switch (p.kind) {
    case 'command':
      return `\`${p.command}\` → exit ${p.exitCode}${shows}`;
    case 'file':
      return `file \`${p.path}\` in the change${shows}`;
    case 'web':
      return `web-tester step ${p.step}: ${p.action}${shows}`;
  }
}

/**
 * Checks QA's criteria against the recording. A `pass` needs every criterion (1…`count`) met with
 * at least one citation; every citation given (whatever the verdict) must match a record. Returns
 * the criteria with their proofs, or the problems, each naming the criterion and what did happen.
 */
export async function checkEvidence(input: { verdict: string; criteria: CriterionClaim[]; count: number; source: EvidenceSource }): Promise<{ ok: true; criteria: ProvenCriterion[] } | { ok: false; problems: string[] }> {
  const problems: string[] = [];
  const commands = input.source.commands();
  const steps = input.source.webSteps();
  let files: string[] | null = null;
  const ran = () => (commands.length ? `commands you ran this cycle: ${[...new Map(commands.map((c) => [clean(c.command), c])).values()].map((c) => `${tick(clean(c.command))} (exit ${c.exitCode})`).join(', ')}` : 'you ran no command in this cycle');
  const proven: ProvenCriterion[] = [];
  for (const claim of input.criteria) {
    const n = claim.criterion;
    if (n < 1 || n > input.count) {
      problems.push(`criterion ${n} does not exist (the task has ${input.count} acceptance criteri${input.count === 1 ? 'on' : 'a'})`);
      continue;
    }
    const proof: Proof[] = [];
    for (const cite of claim.evidence) {
      if (cite.command !== undefined) {
        const want = clean(cite.command);
        const runs = commands.filter((c) => clean(c.command) === want);
        if (!runs.length) {
          problems.push(`criterion ${n} cites ${tick(want)} but no such command ran in this cycle (${ran()})`);
          continue;
        }
        const last = runs[runs.length - 1];
        if (cite.exit_code !== undefined && !runs.some((r) => r.exitCode === cite.exit_code)) {
          problems.push(`criterion ${n} cites ${tick(want)} with exit code ${cite.exit_code}, but it exited ${last.exitCode}`);
          continue;
        }
        const run = cite.exit_code !== undefined ? [...runs].reverse().find((r) => r.exitCode === cite.exit_code)! : last;
        if (claim.met && cite.exit_code === undefined && run.exitCode !== 0) {
          problems.push(`criterion ${n} is marked met citing ${tick(want)}, which exited ${run.exitCode}: cite a run that passed, or give the exit code the check expects in "exit_code"`);
          continue;
        }
        proof.push({ kind: 'command', command: run.command, exitCode: run.exitCode, seq: run.seq, ...(cite.shows ? { shows: cite.shows } : {}) });
      } else if (cite.file !== undefined) {
        files ??= (await input.source.changedFiles()).map(cleanPath);
        const path = cleanPath(cite.file);
        if (!files.includes(path)) {
          problems.push(`criterion ${n} cites the file ${tick(path)}, which the change does not touch (${files.length ? `files in the change: ${files.slice(0, 12).map(tick).join(', ')}` : 'the change touches no file yet'})`);
          continue;
        }
        proof.push({ kind: 'file', path, ...(cite.shows ? { shows: cite.shows } : {}) });
      } else if (cite.web_step !== undefined) {
        const action = steps[cite.web_step - 1];
        if (action === undefined) {
          problems.push(`criterion ${n} cites web-tester step ${cite.web_step}, but ${steps.length ? `your browser transcript has ${steps.length} step${steps.length === 1 ? '' : 's'}` : 'you took no browser step in this cycle'}`);
          continue;
        }
        proof.push({ kind: 'web', step: cite.web_step, action, ...(cite.shows ? { shows: cite.shows } : {}) });
      }
    }
    proven.push({ criterion: n, met: claim.met, evidence: proof.map(describeProof).join('; '), proof });
  }
  if (input.verdict === 'pass') {
    for (let n = 1; n <= input.count; n++) {
      const claims = input.criteria.filter((c) => c.criterion === n);
      if (!claims.length) problems.push(`criterion ${n} has no evidence: a pass cites, for every criterion, a command you ran, a file in the change or a web-tester step`);
      else if (claims.some((c) => !c.met)) problems.push(`the verdict is pass but criterion ${n} is marked not met: give verdict fail with a finding, or show it met`);
      else if (!claims.some((c) => c.evidence.length)) problems.push(`criterion ${n} has no evidence: cite a command you ran ({"command": "npm test"}), a file in the change ({"file": "src/app.js"}) or a web-tester step ({"web_step": 2})`);
    }
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, criteria: proven };
}

/** Criteria (1-based) a QA pass leaves without a proven citation: an approval needs none. */
export function unprovenCriteria(count: number, criteria: Array<{ criterion: number; met: boolean; proof?: Proof[] }> | undefined): number[] {
  const out: number[] = [];
  for (let n = 1; n <= count; n++) {
    const c = (criteria ?? []).filter((x) => x.criterion === n);
    if (!c.length || c.some((x) => !x.met) || !c.some((x) => (x.proof ?? []).length > 0)) out.push(n);
  }
  return out;
}

/**
 * Files the worktree's change touches against `baseRef`'s fork point: committed (WIP commits),
 * staged, unstaged and untracked, deleted included.
 */
export async function changedFiles(worktree: string, baseRef: string): Promise<string[]> {
  const base = (await git(['merge-base', 'HEAD', baseRef], { cwd: worktree }).catch(() => '')).trim();
  const out = new Set<string>();
  if (base) for (const f of (await git(['diff', '--name-only', '--no-renames', base], { cwd: worktree })).split('\n')) if (f) out.add(f);
  for (const f of (await git(['ls-files', '--others', '--exclude-standard'], { cwd: worktree })).split('\n')) if (f) out.add(f);
  return [...out].sort();
}
